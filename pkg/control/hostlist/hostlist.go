package hostlist

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// MaxHosts bounds how many hosts one expression may expand to, so a typo
// such as node[1-100000000] fails instead of exhausting memory.
const MaxHosts = 1 << 16

// ErrSyntax is wrapped by every parse error.
var ErrSyntax = errors.New("invalid host list")

// Host is one member of a set: a name split around its last run of
// digits, and an optional port (0 when none was given).
type Host struct {
	Prefix string
	Num    int // -1 when the name has no digits
	Width  int // digits written, counting leading zeros
	Suffix string
	Port   int
}

// newHost makes a numbered host; width is the zero-padded width asked for.
func newHost(prefix string, num, width int, suffix string, port int) Host {
	return Host{Prefix: prefix, Num: num, Width: max(width, len(strconv.Itoa(num))), Suffix: suffix, Port: port}
}

// padded says whether the number is written with leading zeros.
func (h Host) padded() bool { return h.Num >= 0 && h.Width > len(strconv.Itoa(h.Num)) }

// Name is the host name without the port.
func (h Host) Name() string {
	if h.Num < 0 {
		return h.Prefix + h.Suffix
	}
	return fmt.Sprintf("%s%0*d%s", h.Prefix, h.Width, h.Num, h.Suffix)
}

// String is the name with ":port" when a port was given.
func (h Host) String() string {
	if h.Port == 0 {
		return h.Name()
	}
	return h.Name() + ":" + strconv.Itoa(h.Port)
}

// less orders by prefix, suffix, port, then numerically by host number.
func (h Host) less(o Host) bool {
	if h.Prefix != o.Prefix {
		return h.Prefix < o.Prefix
	}
	if h.Suffix != o.Suffix {
		return h.Suffix < o.Suffix
	}
	if h.Port != o.Port {
		return h.Port < o.Port
	}
	if h.Num != o.Num {
		return h.Num < o.Num
	}
	return h.Width < o.Width
}

// Set is a deduplicated set of hosts. The zero value is empty and ready.
type Set struct {
	hosts map[string]Host
}

// Parse expands an expression into a set.
func Parse(expr string) (*Set, error) {
	s := &Set{}
	if err := s.Insert(expr); err != nil {
		return nil, err
	}
	return s, nil
}

// Insert adds the hosts of an expression to the set. On error the set is
// unchanged.
func (s *Set) Insert(expr string) error {
	items, err := splitTop(expr)
	if err != nil {
		return err
	}
	var add []Host
	for _, item := range items {
		hosts, err := expandItem(item, MaxHosts-s.Len()-len(add))
		if err != nil {
			return err
		}
		add = append(add, hosts...)
	}
	if s.hosts == nil {
		s.hosts = make(map[string]Host)
	}
	for _, h := range add {
		s.hosts[h.String()] = h
	}
	return nil
}

// Len is the number of distinct hosts.
func (s *Set) Len() int { return len(s.hosts) }

// Hosts returns the members in order.
func (s *Set) Hosts() []Host {
	out := make([]Host, 0, len(s.hosts))
	for _, h := range s.hosts {
		out = append(out, h)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].less(out[j]) })
	return out
}

// Slice returns the members in order as "name" or "name:port".
func (s *Set) Slice() []string {
	hosts := s.Hosts()
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h.String()
	}
	return out
}

// String prints the set compressed: node[1-3,5],login:10001.
func (s *Set) String() string {
	hosts := s.Hosts()
	var parts []string
	for i := 0; i < len(hosts); {
		h := hosts[i]
		j := i + 1
		for j < len(hosts) && sameGroup(h, hosts[j]) {
			j++
		}
		parts = append(parts, groupString(hosts[i:j]))
		i = j
	}
	return strings.Join(parts, ",")
}

// sameGroup says whether b can be printed in the bracket group that starts
// with a: same name parts and port, and the same width when either number
// is zero-padded (node9 and node10 group; node09 and node9 do not).
func sameGroup(a, b Host) bool {
	if a.Num < 0 || b.Num < 0 || a.Prefix != b.Prefix || a.Suffix != b.Suffix || a.Port != b.Port {
		return false
	}
	return (!a.padded() && !b.padded()) || a.Width == b.Width
}

// groupString prints hosts of one group, numbers ascending.
func groupString(g []Host) string {
	if len(g) == 1 {
		return g[0].String()
	}
	var ranges []string
	w := 0 // natural width unless the group is zero-padded
	if g[0].padded() {
		w = g[0].Width
	}
	for i := 0; i < len(g); {
		j := i
		for j+1 < len(g) && g[j+1].Num == g[j].Num+1 {
			j++
		}
		if i == j {
			ranges = append(ranges, fmt.Sprintf("%0*d", w, g[i].Num))
		} else {
			ranges = append(ranges, fmt.Sprintf("%0*d-%0*d", w, g[i].Num, w, g[j].Num))
		}
		i = j + 1
	}
	out := fmt.Sprintf("%s[%s]%s", g[0].Prefix, strings.Join(ranges, ","), g[0].Suffix)
	if g[0].Port != 0 {
		out += ":" + strconv.Itoa(g[0].Port)
	}
	return out
}

// splitTop splits at commas outside brackets and checks bracket nesting.
func splitTop(expr string) ([]string, error) {
	if strings.TrimSpace(expr) == "" {
		return nil, fmt.Errorf("%w: empty", ErrSyntax)
	}
	var items []string
	depth, start := 0, 0
	for i, c := range expr {
		switch c {
		case '[':
			if depth > 0 {
				return nil, fmt.Errorf("%w: %q: nested [ at offset %d", ErrSyntax, expr, i)
			}
			depth++
		case ']':
			if depth == 0 {
				return nil, fmt.Errorf("%w: %q: ] without [ at offset %d", ErrSyntax, expr, i)
			}
			depth--
		case ',':
			if depth == 0 {
				items = append(items, expr[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("%w: %q: [ is not closed", ErrSyntax, expr)
	}
	items = append(items, expr[start:])
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		if items[i] == "" {
			return nil, fmt.Errorf("%w: %q: empty host name in position %d", ErrSyntax, expr, i+1)
		}
	}
	return items, nil
}

// expandItem expands one comma-free item: name, name:port,
// pre[ranges]post, pre[ranges]post:port.
func expandItem(item string, limit int) ([]Host, error) {
	name, port, err := splitPort(item)
	if err != nil {
		return nil, err
	}
	open := strings.IndexByte(name, '[')
	if open < 0 {
		if err := checkName(item, name); err != nil {
			return nil, err
		}
		h := splitName(name)
		h.Port = port
		return []Host{h}, nil
	}
	closeAt := strings.IndexByte(name, ']')
	prefix, ranges, suffix := name[:open], name[open+1:closeAt], name[closeAt+1:]
	if strings.ContainsAny(suffix, "[]") {
		return nil, fmt.Errorf("%w: %q: only one [range] per host name", ErrSyntax, item)
	}
	if err := checkName(item, prefix+"0"+suffix); err != nil {
		return nil, err
	}
	if ranges == "" {
		return nil, fmt.Errorf("%w: %q: empty range []", ErrSyntax, item)
	}
	var out []Host
	for _, r := range strings.Split(ranges, ",") {
		lo, hi, width, err := parseRange(item, r)
		if err != nil {
			return nil, err
		}
		if hi-lo+1 > limit-len(out) {
			return nil, fmt.Errorf("%w: %q expands to more than %d hosts", ErrSyntax, item, MaxHosts)
		}
		for n := lo; n <= hi; n++ {
			out = append(out, newHost(prefix, n, width, suffix, port))
		}
	}
	return out, nil
}

// splitPort separates a trailing ":port".
func splitPort(item string) (string, int, error) {
	i := strings.LastIndexByte(item, ':')
	if i < 0 {
		return item, 0, nil
	}
	if strings.LastIndexByte(item, ']') > i {
		return "", 0, fmt.Errorf("%w: %q: ':' inside a range", ErrSyntax, item)
	}
	p, err := strconv.Atoi(item[i+1:])
	if err != nil || p <= 0 || p > 65535 {
		return "", 0, fmt.Errorf("%w: %q: port %q is not a number from 1 to 65535", ErrSyntax, item, item[i+1:])
	}
	if strings.Contains(item[:i], ":") {
		return "", 0, fmt.Errorf("%w: %q: more than one ':' (IPv6 addresses are not supported)", ErrSyntax, item)
	}
	return item[:i], p, nil
}

// checkName accepts host-name characters only.
func checkName(item, name string) error {
	if name == "" {
		return fmt.Errorf("%w: %q: no host name", ErrSyntax, item)
	}
	for _, c := range name {
		ok := c == '-' || c == '.' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
		if !ok {
			return fmt.Errorf("%w: %q: character %q is not allowed in a host name", ErrSyntax, item, c)
		}
	}
	return nil
}

// parseRange reads "7" or "01-03"; the width is that of the low bound.
func parseRange(item, r string) (lo, hi, width int, err error) {
	loS, hiS, isRange := strings.Cut(r, "-")
	bad := func(why string) error {
		return fmt.Errorf("%w: %q: range %q %s", ErrSyntax, item, r, why)
	}
	if !digits(loS) || (isRange && !digits(hiS)) {
		return 0, 0, 0, bad("must be N or N-M with decimal numbers")
	}
	if len(loS) > 9 || len(hiS) > 9 {
		return 0, 0, 0, bad("has a number that is too large")
	}
	lo, _ = strconv.Atoi(loS)
	hi = lo
	if isRange {
		hi, _ = strconv.Atoi(hiS)
	}
	if hi < lo {
		return 0, 0, 0, bad("goes backwards")
	}
	return lo, hi, len(loS), nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// splitName splits a plain host name around its last run of digits, so
// that node9 sorts before node10.
func splitName(name string) Host {
	end := len(name)
	for end > 0 && !isDigit(name[end-1]) {
		end--
	}
	start := end
	for start > 0 && isDigit(name[start-1]) {
		start--
	}
	if start == end || end-start > 9 {
		return Host{Prefix: name, Num: -1}
	}
	n, _ := strconv.Atoi(name[start:end])
	return newHost(name[:start], n, end-start, name[end:], 0)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Addrs expands an expression into sorted, unique "host:port" addresses,
// giving defaultPort to hosts written without one.
func Addrs(expr string, defaultPort int) ([]string, error) {
	s, err := Parse(expr)
	if err != nil {
		return nil, err
	}
	withPort := &Set{hosts: make(map[string]Host, s.Len())}
	for _, h := range s.hosts {
		if h.Port == 0 {
			h.Port = defaultPort
		}
		withPort.hosts[h.String()] = h
	}
	return withPort.Slice(), nil
}

// Compress writes hosts as one compressed set (node[1-3]), for messages
// that name groups of hosts. Should a name not parse, the hosts are
// listed sorted, as given.
func Compress(hosts []string) string {
	set, err := Parse(strings.Join(hosts, ","))
	if err != nil {
		sorted := append([]string(nil), hosts...)
		sort.Strings(sorted)
		return strings.Join(sorted, ",")
	}
	return set.String()
}
