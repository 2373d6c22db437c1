package config

import (
	"fmt"
	"reflect"
	"strings"

	"go.yaml.in/yaml/v3"
)

// checkDocument walks a parsed YAML document against the Go type its
// contents decode into. It rejects keys the type does not define and
// values of the wrong YAML kind, and records the line of every key it
// sees in lines (key path -> line), so that later checks can point at the
// line of the key they complain about.
func checkDocument(doc *yaml.Node, t reflect.Type, lines map[string]int) *Error {
	if doc.Kind == 0 {
		return nil // empty file: all defaults
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil
		}
		doc = doc.Content[0]
	}
	return checkNode(doc, t, "", lines)
}

func checkNode(n *yaml.Node, t reflect.Type, path string, lines map[string]int) *Error {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil // an empty value leaves the default
	}
	wrong := func(want string) *Error {
		return &Error{Line: n.Line, Key: path, Reason: fmt.Sprintf("expected %s, got %s", want, describe(n))}
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return wrong("a map of keys")
		}
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Value == "<<" {
				return &Error{Line: k.Line, Key: path, Reason: "merge keys (<<) are not supported"}
			}
			key := join(path, k.Value)
			if first, dup := lines[key]; dup {
				return &Error{Line: k.Line, Key: key, Reason: fmt.Sprintf("given twice (first at line %d)", first)}
			}
			lines[key] = k.Line
			ft, ok := fields[k.Value]
			if !ok {
				return &Error{Line: k.Line, Key: key, Reason: "unknown key (config contains invalid parameters)"}
			}
			if err := checkNode(v, ft, key, lines); err != nil {
				return err
			}
		}
	case reflect.Map:
		// Maps with free-form keys (client_user_map); the caller's
		// validation judges the keys.
		if n.Kind != yaml.MappingNode {
			return wrong("a map")
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode || k.Value == "<<" {
				return &Error{Line: k.Line, Key: path, Reason: "map keys must be plain names or numbers"}
			}
			key := join(path, k.Value)
			if first, dup := lines[key]; dup {
				return &Error{Line: k.Line, Key: key, Reason: fmt.Sprintf("given twice (first at line %d)", first)}
			}
			lines[key] = k.Line
			if err := checkNode(v, t.Elem(), key, lines); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			return wrong("a list")
		}
		for i, item := range n.Content {
			key := index(path, i)
			lines[key] = item.Line
			if err := checkNode(item, t.Elem(), key, lines); err != nil {
				return err
			}
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			return wrong("a string")
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || (n.Tag != "!!bool" && !yaml11Bool(n.Value)) {
			return wrong("true or false")
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32, reflect.Uint8:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			return wrong("an integer")
		}
	default:
		panic(fmt.Sprintf("config: no YAML check for %v at %s", t, path))
	}
	return nil
}

// yaml11Bool accepts the YAML 1.1 booleans (yes, no, on, off) that DAOS's
// YAML parser takes and YAML 1.2 reads as strings.
func yaml11Bool(v string) bool {
	_, ok := yaml11Bools[strings.ToLower(v)]
	return ok
}

var yaml11Bools = map[string]bool{"yes": true, "y": true, "on": true, "no": false, "n": false, "off": false}

// describe names what a node holds, for type errors.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a map"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!int":
		return "the integer " + n.Value
	case "!!float":
		return "the number " + n.Value
	case "!!bool":
		return "the boolean " + n.Value
	}
	return fmt.Sprintf("%q", n.Value)
}

// yamlFields maps a struct's YAML key names to field types, descending into
// inline (embedded) structs.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type)
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			for k, v := range yamlFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" || !f.IsExported() {
			continue
		}
		out[name] = f.Type
	}
	return out
}
