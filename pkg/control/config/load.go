package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// Source is a config file's content and the name to use for it in errors.
type Source struct {
	Name string
	Data []byte
	// Overrides replace file values (command-line flags win over the
	// file); keys are viper paths such as "port" or
	// "transport_config.allow_insecure".
	Overrides map[string]any
}

// ReadSource reads a config file. A missing file is reported with an
// error that wraps fs.ErrNotExist.
func ReadSource(path string) (Source, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Source{}, fmt.Errorf("read config file: %w", err)
	}
	return Source{Name: path, Data: data}, nil
}

// decode parses src strictly into out (a pointer to a struct), with the
// given defaults applied under the file's values. It returns the line of
// every key seen, for locating later errors.
func decode(src Source, defaults map[string]any, out any) (map[string]int, error) {
	lines := make(map[string]int)
	var doc yaml.Node
	if err := yaml.Unmarshal(src.Data, &doc); err != nil {
		return nil, &Error{File: src.Name, Reason: "invalid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if cErr := checkDocument(&doc, reflect.TypeOf(out), lines); cErr != nil {
		cErr.File = src.Name
		return nil, cErr
	}

	v := viper.New()
	v.SetConfigType("yaml")
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	if err := v.ReadConfig(bytes.NewReader(src.Data)); err != nil {
		return nil, &Error{File: src.Name, Reason: "invalid YAML: " + err.Error()}
	}
	for k, val := range src.Overrides {
		v.Set(k, val)
	}
	err := v.Unmarshal(out, func(c *mapstructure.DecoderConfig) {
		c.TagName = "yaml"
		c.Squash = true
		c.ErrorUnused = true
		c.WeaklyTypedInput = false
		c.DecodeHook = mapstructure.ComposeDecodeHookFunc(scalarToString, yaml11ToBool)
	})
	if err != nil {
		// The strict walk accepted the document, so this is a gap
		// between it and the decoder, not a user error we can place.
		return nil, &Error{File: src.Name, Reason: "decode: " + err.Error()}
	}
	return lines, nil
}

// scalarToString lets a string key hold any scalar, as YAML allows
// (name: 1234 is the string "1234").
func scalarToString(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.String || from.Kind() == reflect.String {
		return data, nil
	}
	switch from.Kind() {
	case reflect.Int, reflect.Int64, reflect.Uint64, reflect.Float64, reflect.Bool:
		return fmt.Sprint(data), nil
	}
	return data, nil
}

// yaml11ToBool turns the YAML 1.1 words yes/no/on/off into booleans;
// the strict walk has already refused any other string for a bool key.
func yaml11ToBool(from, to reflect.Type, data any) (any, error) {
	if to.Kind() != reflect.Bool || from.Kind() != reflect.String {
		return data, nil
	}
	if b, ok := yaml11Bools[strings.ToLower(data.(string))]; ok {
		return b, nil
	}
	return data, nil
}

// locate fills an Error's file and line from the key lines of a loaded
// file: the key's own line, or its nearest parent's.
func locate(err error, file string, lines map[string]int) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	e.File = file
	for key := e.Key; key != ""; key = parentKey(key) {
		if l, ok := lines[key]; ok {
			e.Line = l
			break
		}
	}
	return err
}

// parentKey strips the last element of a key path.
func parentKey(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}
