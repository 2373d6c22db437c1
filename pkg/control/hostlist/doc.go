// Package hostlist parses and prints host-set expressions as DAOS tools
// take them: comma-separated names with numeric ranges in brackets and an
// optional port, e.g. "node[1-4],node[01-03,7]:10001,login". Sets are
// deduplicated and sorted by name, numerically on the host number, and
// print back in the compressed bracket form.
//
// IPv6 literals are not supported in host lists.
package hostlist
