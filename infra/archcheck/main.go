// Command archcheck keeps dependencies pointing inward ('make archcheck'):
// the domain imports nothing of ours, use cases never import adapters,
// adapters never import each other, and shared/ never imports infra/.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

const module = "github.com/switchboard-inbox/switchboard/"

// layer names the role of a package under shared/.
func layer(pkg string) string {
	rel := strings.TrimPrefix(pkg, module+"shared/")
	switch {
	case rel == "inbox":
		return "domain"
	case rel == "queue", rel == "config", rel == "httpx":
		return "glue"
	case rel == "ingest", rel == "route", rel == "dispatch", rel == "slackapp", rel == "desk", rel == "csat", rel == "report", rel == "rebuild":
		return "usecase"
	case rel == "store", rel == "slackui", rel == "triage", rel == "media", strings.HasPrefix(rel, "channel/"):
		return "adapter"
	case rel == "app":
		return "wiring"
	}
	return "unknown"
}

// allowed lists which layers each layer may import.
var allowed = map[string][]string{
	"domain":  {},
	"glue":    {"domain"},
	"usecase": {"domain", "glue"},
	"adapter": {"domain", "glue", "usecase"},
	"wiring":  {"domain", "glue", "usecase", "adapter"},
}

type pkg struct {
	ImportPath string
	Imports    []string
}

func main() {
	out, err := exec.Command("go", "list", "-json", "./shared/...").Output()
	if err != nil {
		fmt.Fprintln(os.Stderr, "archcheck: go list:", err)
		os.Exit(2)
	}
	var problems []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			fmt.Fprintln(os.Stderr, "archcheck:", err)
			os.Exit(2)
		}
		from := layer(p.ImportPath)
		if from == "unknown" {
			problems = append(problems, p.ImportPath+": not assigned to a layer in infra/archcheck")
			continue
		}
		for _, imp := range p.Imports {
			if !strings.HasPrefix(imp, module) {
				if from == "domain" && strings.Contains(strings.Split(imp, "/")[0], ".") {
					problems = append(problems, p.ImportPath+" (domain) imports third-party "+imp)
				}
				continue
			}
			if !strings.HasPrefix(imp, module+"shared/") {
				problems = append(problems, p.ImportPath+" imports "+imp+" from outside shared/")
				continue
			}
			to := layer(imp)
			if !contains(allowed[from], to) {
				problems = append(problems, fmt.Sprintf("%s (%s) imports %s (%s)", p.ImportPath, from, imp, to))
			}
		}
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "archcheck:", p)
	}
	if len(problems) > 0 {
		os.Exit(1)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
