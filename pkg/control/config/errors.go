package config

import (
	"fmt"
	"strings"
)

// Error is a problem with one key of a config file. File and Line are set
// when the error came from loading a file; Key is the key's path in the
// document, e.g. "engines[1].storage[0].scm_mount".
type Error struct {
	File   string
	Line   int
	Key    string
	Reason string
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		if e.Line > 0 {
			fmt.Fprintf(&b, ":%d", e.Line)
		}
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Reason)
	return b.String()
}

// keyErr makes an Error for key with a formatted reason.
func keyErr(key, format string, args ...any) *Error {
	return &Error{Key: key, Reason: fmt.Sprintf(format, args...)}
}

// join builds a key path: join("engines[0]", "targets").
func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// index builds the key path of a list element: index("engines", 2).
func index(parent string, i int) string {
	return fmt.Sprintf("%s[%d]", parent, i)
}
