package config

import (
	_ "embed" // the example settings file
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// FileName is the settings file looked for in the data dir when no file
// is named.
const FileName = "aftersale.yaml"

// Find returns the settings file to read: path when it is set (from
// AFTERSALE_CONFIG or --config), else aftersale.yaml in dataDir when
// there is one, else "" (the built-in defaults).
func Find(path, dataDir string) string {
	if path != "" {
		return path
	}
	if dataDir == "" {
		return ""
	}
	p := filepath.Join(dataDir, FileName)
	if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
		return p
	}
	return ""
}

// Load returns the built-in defaults with the settings of the file at
// path ("" for none) over them, checked (see Normalize, but no defaults
// are filled in: the environment may still replace settings). A relative
// journeys path is taken relative to the file's folder.
func Load(path string) (Settings, error) {
	if path == "" {
		return Defaults(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Settings{}, fmt.Errorf("settings file: %w", err)
	}
	s, err := LoadBytes(path, data)
	if err != nil {
		return s, err
	}
	if s.Journeys != "" && !filepath.IsAbs(s.Journeys) {
		s.Journeys = filepath.Join(filepath.Dir(path), s.Journeys)
	}
	return s, nil
}

// LoadBytes is Load of a file's content; name is the file's name in
// errors.
func LoadBytes(name string, data []byte) (Settings, error) {
	s := Defaults()
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return s, decodeError(name, nil, err)
	}
	src := &source{file: name, lines: map[string]int{}}
	byPos := map[[2]int]string{}
	for _, doc := range f.Docs {
		walk(doc.Body, "", src.lines, byPos)
	}
	if len(f.Docs) > 1 {
		return s, Errors{{File: name, Msg: "want one YAML document"}}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		s.src = src
		return s, nil // an empty file: the defaults
	}
	// The decoder's error about a bad duration has no position: check them first.
	for _, p := range durationPaths {
		if n, err := yaml.PathString("$." + p); err == nil {
			if v, err := n.FilterFile(f); err == nil && v != nil {
				if _, err := time.ParseDuration(strings.Trim(v.String(), `"'`)); err != nil {
					return s, Errors{{File: name, Line: src.lines[p], Field: p, Msg: "want " + describe(reflect.TypeOf(time.Duration(0)))}}
				}
			}
		}
	}
	if err := unmarshal(data, &s); err != nil {
		return s, decodeError(name, byPos, err)
	}
	s.tidy()
	s.src = src
	check := s // check a copy: the defaults that Normalize fills in are not the file's
	check.src = src
	c := &checker{src: src}
	check.normalizeFile(c)
	return s, c.err()
}

// unmarshal decodes data into s, refusing unknown settings. The decoder
// panics on some malformed files (a tag without a value where a list is
// wanted, say); that is an error of the file too.
func unmarshal(data []byte, s *Settings) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("not a settings file the YAML decoder can read (%v)", r)
		}
	}()
	return yaml.UnmarshalWithOptions(data, s, yaml.Strict())
}

// durationPaths are the settings that are durations.
var durationPaths = []string{"tasks.sla"}

// tidy makes the empty lists and maps of a file nil, as in Defaults: an
// empty list means the default.
func (s *Settings) tidy() {
	if len(s.Mail.SendRateDomains) == 0 {
		s.Mail.SendRateDomains = nil
	}
	if len(s.ItemKinds) == 0 {
		s.ItemKinds = nil
	}
	if len(s.Surveys.Qualities) == 0 {
		s.Surveys.Qualities = nil
	}
	if len(s.Shipping.TrackingURLs) == 0 {
		s.Shipping.TrackingURLs = nil
	}
	if len(s.Shipping.CarrierDays) == 0 {
		s.Shipping.CarrierDays = nil
	}
	if len(s.Returns.Reasons) == 0 {
		s.Returns.Reasons = nil
	}
	if len(s.Insiders.NextLevel) == 0 {
		s.Insiders.NextLevel = nil
	}
}

// walk records the line of every setting under n, by its path, and the
// path of every key and value token, by position.
func walk(n ast.Node, path string, lines map[string]int, byPos map[[2]int]string) {
	if n == nil {
		return
	}
	pos := func(tk *token.Token, p string) {
		if tk != nil && tk.Position != nil {
			byPos[[2]int{tk.Position.Line, tk.Position.Column}] = p
			if _, ok := lines[p]; !ok && p != "" {
				lines[p] = tk.Position.Line
			}
		}
	}
	switch v := n.(type) {
	case *ast.DocumentNode:
		walk(v.Body, path, lines, byPos)
	case *ast.MappingNode:
		for _, kv := range v.Values {
			walk(kv, path, lines, byPos)
		}
	case *ast.MappingValueNode:
		key := ""
		if v.Key != nil {
			key = strings.Trim(v.Key.String(), `"'`)
		}
		p := key
		if path != "" {
			p = path + "." + key
		}
		if v.Key != nil {
			pos(v.Key.GetToken(), p)
		}
		if v.Value != nil {
			pos(v.Value.GetToken(), p)
		}
		walk(v.Value, p, lines, byPos)
	case *ast.SequenceNode:
		pos(v.GetToken(), path)
		for i, e := range v.Values {
			p := path + "[" + strconv.Itoa(i) + "]"
			if e != nil {
				pos(e.GetToken(), p)
			}
			walk(e, p, lines, byPos)
		}
	case *ast.TagNode:
		walk(v.Value, path, lines, byPos)
	case *ast.AnchorNode:
		walk(v.Value, path, lines, byPos)
	}
}

// decodeError turns an error of the YAML decoder into an Error with the
// file, line and (when known) setting.
func decodeError(name string, byPos map[[2]int]string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return Errors{{File: name, Msg: err.Error()}}
	}
	e := &Error{File: name, Msg: ye.GetMessage()}
	if tk := ye.GetToken(); tk != nil && tk.Position != nil {
		e.Line = tk.Position.Line
		e.Field = byPos[[2]int{tk.Position.Line, tk.Position.Column}]
	}
	var te *yaml.TypeError
	if errors.As(err, &te) && te.DstType != nil {
		e.Msg = "want " + describe(te.DstType)
	}
	var ue *yaml.UnknownFieldError
	if errors.As(err, &ue) {
		key := e.Field[strings.LastIndexByte(e.Field, '.')+1:]
		e.Msg = "unknown setting"
		if env := processEnv(key); env != "" && !strings.Contains(e.Field, ".") {
			e.Msg = "unknown setting: " + key + " is set by " + env + " in the environment, not in the file"
		}
	}
	return Errors{e}
}

// processEnv returns the variable of a Process setting written as a
// file key (api_key → AFTERSALE_API_KEY), or "".
func processEnv(key string) string {
	t := reflect.TypeOf(Process{})
	for i := 0; i < t.NumField(); i++ {
		if strings.ReplaceAll(t.Field(i).Tag.Get("name"), "-", "_") == key {
			return t.Field(i).Tag.Get("env")
		}
	}
	return ""
}

// describe names what a Go type wants in YAML.
func describe(t reflect.Type) string {
	if t == reflect.TypeOf(time.Duration(0)) {
		return "a duration like 24h or 90m"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "text"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping of settings"
	}
	return t.String()
}

//go:embed aftersale.example.yaml
var example []byte

// Example returns the commented example settings file: every setting with
// its built-in default.
func Example() []byte { return example }
