// Stand-in for `helm template`, for machines without helm (e2e/deploy-chart-render.test.ts builds and runs it).
// It renders the chart with Go's text/template and sprig, the two libraries Helm's engine is built
// on, plus Helm's own functions the chart uses (include, tpl, required, fail, toYaml, toJson,
// fromYaml), values coalesced as Helm does (maps merge, null deletes, numbers as JSON float64).
// Stricter than Helm: a missing value is an error (like `helm lint --strict`). Not Helm: no
// schema validation (the test does it with Ajv), no lookup/Capabilities, and toYaml formats with
// yaml.v3 instead of sigs.k8s.io/yaml (same data, possibly other spacing).
//
// Build (GOPATH mode, Debian's packages: golang-go golang-github-masterminds-sprig-dev
// golang-gopkg-yaml.v3-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o render deploy/helm/render-check/main.go
//	./render deploy/helm/gatehouse [values.yaml …] [--set=path.to.key=value …]
//
// Manifests go to stdout, NOTES.txt to stderr; a `fail` or template error exits 1 with
// "RENDER ERROR: <message>" on stderr.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v3"
)

func readYAML(path string) map[string]interface{} {
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	var raw interface{}
	if err := yaml.Unmarshal(b, &raw); err != nil {
		panic(fmt.Sprintf("%s: %v", path, err))
	}
	// Through JSON so numbers are float64, as Helm's values are.
	j, err := json.Marshal(raw)
	if err != nil {
		panic(err)
	}
	out := map[string]interface{}{}
	if err := json.Unmarshal(j, &out); err != nil {
		panic(err)
	}
	return out
}

func merge(base, over map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		if v == nil {
			delete(out, k)
			continue
		}
		if om, ok := v.(map[string]interface{}); ok {
			if bm, ok := out[k].(map[string]interface{}); ok {
				out[k] = merge(bm, om)
				continue
			}
		}
		out[k] = v
	}
	return out
}

func setPath(values map[string]interface{}, path string, value interface{}) {
	keys := strings.Split(path, ".")
	m := values
	for _, k := range keys[:len(keys)-1] {
		next, ok := m[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			m[k] = next
		}
		m = next
	}
	m[keys[len(keys)-1]] = value
}

func toYaml(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(v); err != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

func main() {
	chartDir := os.Args[1]
	values := readYAML(filepath.Join(chartDir, "values.yaml"))
	for _, arg := range os.Args[2:] {
		if strings.HasPrefix(arg, "--set=") {
			kv := strings.SplitN(strings.TrimPrefix(arg, "--set="), "=", 2)
			var v interface{}
			if err := json.Unmarshal([]byte(kv[1]), &v); err != nil {
				v = kv[1]
			}
			setPath(values, kv[0], v)
			continue
		}
		values = merge(values, readYAML(arg))
	}
	chart := readYAML(filepath.Join(chartDir, "Chart.yaml"))
	top := map[string]interface{}{
		"Values":   values,
		"Release":  map[string]interface{}{"Name": "gatehouse", "Namespace": "gatehouse", "Service": "Helm", "IsInstall": true, "IsUpgrade": false, "Revision": 1},
		"Chart":    map[string]interface{}{"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]},
		"Template": map[string]interface{}{"BasePath": "gatehouse/templates", "Name": ""},
	}

	t := template.New("gotpl").Option("missingkey=error")
	funcs := sprig.TxtFuncMap()
	delete(funcs, "env")
	delete(funcs, "expandenv")
	funcs["toYaml"] = toYaml
	funcs["toJson"] = func(v interface{}) string { b, _ := json.Marshal(v); return string(b) }
	funcs["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		_ = yaml.Unmarshal([]byte(s), &m)
		return m
	}
	funcs["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	funcs["tpl"] = func(s string, data interface{}) (string, error) {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		nt, err := c.New("tpl").Parse(s)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		err = nt.Execute(&buf, data)
		return buf.String(), err
	}
	funcs["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil || v == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	funcs["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	t.Funcs(funcs)

	files, _ := filepath.Glob(filepath.Join(chartDir, "templates", "*"))
	sort.Strings(files)
	for _, f := range files {
		b, _ := os.ReadFile(f)
		name := "gatehouse/templates/" + filepath.Base(f)
		if _, err := t.New(name).Parse(string(b)); err != nil {
			fmt.Fprintln(os.Stderr, "PARSE ERROR:", err)
			os.Exit(2)
		}
	}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "_") {
			continue
		}
		name := "gatehouse/templates/" + base
		top["Template"] = map[string]interface{}{"BasePath": "gatehouse/templates", "Name": name}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, top); err != nil {
			fmt.Fprintln(os.Stderr, "RENDER ERROR:", err)
			os.Exit(1)
		}
		out := strings.ReplaceAll(buf.String(), "<no value>", "")
		if strings.TrimSpace(out) == "" {
			continue
		}
		if base == "NOTES.txt" {
			fmt.Fprintf(os.Stderr, "---- NOTES ----\n%s\n", out)
			continue
		}
		fmt.Printf("---\n# Source: %s\n%s\n", name, out)
	}
}
