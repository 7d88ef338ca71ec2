package config

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// The configuration's errors never echo a value from the file: a secret
// written in the wrong place (or under the wrong key) must not end up in a
// terminal, a CI log or a bug report. yaml.v3's type errors quote the start
// of the value ("cannot unmarshal !!str `APPSECR...` into float64"); they
// are rewritten here to the line, the field and the expected type.

// decodeFile decodes a configuration file over c. Errors name the line and
// the field, never a value.
func decodeFile(body []byte, c *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return syntaxError(err)
	}
	if err := secretsWrittenIn(&doc); err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(body)))
	dec.KnownFields(true)
	err := dec.Decode(c)
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return rewriteTypeError(te, &doc)
	}
	if errors.Is(err, io.EOF) {
		return nil // an empty file: the defaults
	}
	if err != nil {
		return syntaxError(err)
	}
	return nil
}

// syntaxError keeps yaml's own words for a file that does not parse: they
// give a line and what the parser expected, not the content.
func syntaxError(err error) error {
	return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
}

var (
	cannotUnmarshal = regexp.MustCompile("^line (\\d+): cannot unmarshal (!!\\w+)(?: `.*`)? into (.+)$")
	unknownField    = regexp.MustCompile(`^line (\d+): field (\S+) not found in type (.+)$`)
)

// rewriteTypeError turns each of yaml's messages into "line N, field F:
// want …", without the value it quotes.
func rewriteTypeError(te *yaml.TypeError, doc *yaml.Node) error {
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		switch {
		case cannotUnmarshal.MatchString(m):
			p := cannotUnmarshal.FindStringSubmatch(m)
			line, _ := strconv.Atoi(p[1])
			field := fieldAt(doc, line, "")
			msgs = append(msgs, fmt.Sprintf("line %d, field %s: want %s, not %s", line, field, goTypeWords(p[3]), tagWords(p[2])))
		case unknownField.MatchString(m):
			p := unknownField.FindStringSubmatch(m)
			line, _ := strconv.Atoi(p[1])
			msgs = append(msgs, fmt.Sprintf("line %d, field %s: not a known field", line, fieldAt(doc, line, p[2])))
		default:
			// A message of a kind not known here may quote the value: keep
			// only its line.
			line, _, _ := strings.Cut(m, ":")
			msgs = append(msgs, line+": the value does not fit the field")
		}
	}
	return errors.New(strings.Join(msgs, "; "))
}

// goTypeWords says what a Go type wants in YAML words.
func goTypeWords(t string) string {
	switch {
	case t == "string":
		return "text"
	case t == "bool":
		return "true or false"
	case t == "time.Duration":
		return "a duration such as 30s, 5m or 1h"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case t == "config.CredentialRef":
		return "a mapping naming env, file or (for a public credential) value"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map["):
		return "a mapping"
	}
	return "a mapping"
}

// tagWords names the kind of a YAML value by its tag.
func tagWords(tag string) string {
	switch tag {
	case "!!str":
		return "text"
	case "!!int", "!!float":
		return "a number"
	case "!!bool":
		return "true or false"
	case "!!map":
		return "a mapping"
	case "!!seq":
		return "a list"
	case "!!null":
		return "nothing"
	}
	return "a " + strings.TrimPrefix(tag, "!!")
}

// fieldAt names the field at a line of the document as a path
// (shops[0].qps). With key set, the key of that name on the line; else the
// key whose scalar value is on the line, then any key on the line.
func fieldAt(doc *yaml.Node, line int, key string) string {
	var byValue, byKey string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := k.Value
				if path != "" {
					p = path + "." + k.Value
				}
				if k.Line == line && byKey == "" && (key == "" || k.Value == key) {
					byKey = p
				}
				if key == "" && v.Line == line && byValue == "" && v.Kind == yaml.ScalarNode {
					byValue = p
				}
				walk(v, p)
			}
		}
	}
	walk(doc, "")
	switch {
	case byValue != "":
		return byValue
	case byKey != "":
		return byKey
	case key != "":
		return key
	}
	return "(unknown)"
}

// secretsWrittenIn refuses a secret written as a value anywhere in the
// file: a key that names a secret (app_secret, secret, session, token,
// password…) with text as its value. It names the line and the field and
// says where the secret goes instead, never the value.
func secretsWrittenIn(doc *yaml.Node) error {
	var found error
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		if found != nil {
			return
		}
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := []string{fmt.Sprintf("[%d]", i)}
				if last := len(path) - 1; last >= 0 {
					p = append(append([]string(nil), path[:last]...), fmt.Sprintf("%s[%d]", path[last], i))
				}
				walk(c, p)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				p := append(append([]string(nil), path...), k.Value)
				if v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value != "" && looksLikeSecret(k.Value) {
					found = fmt.Errorf("line %d, field %s: a secret is never written in the configuration; %s",
						k.Line, strings.Join(p, "."), secretHint(p))
					return
				}
				walk(v, p)
			}
		}
	}
	walk(doc, []string{})
	return found
}

// looksLikeSecret reports whether a key names a secret by its last word
// (app_secret, access_token, password, session), not a place that holds
// one (secret_env, secret_file) or something about it (token_url).
func looksLikeSecret(key string) bool {
	words := strings.FieldsFunc(strings.ToLower(key), func(r rune) bool { return r == '_' || r == '-' || r == '.' })
	if len(words) == 0 {
		return false
	}
	switch words[len(words)-1] {
	case "secret", "password", "passwd", "token", "session", "sessionkey", "apisecret", "appsecret":
		return true
	}
	return false
}

// secretHint says where a secret found at path belongs.
func secretHint(path []string) string {
	if len(path) > 0 && strings.HasPrefix(path[0], "shops[") {
		name := path[len(path)-1]
		// shops[0].credentials.app_secret: the credential's own name.
		return fmt.Sprintf("use credentials.%s.env or credentials.%s.file (the env var or the file that holds it)", name, name)
	}
	if len(path) > 0 && path[0] == "erp" {
		return "use erp.secret_env or erp.secret_file (the env var or the file that holds it)"
	}
	return "name the env var or the file that holds it instead"
}
