// deploy-check validates the deployment files without a container engine (none runs on the
// machines that test isoplast), with the libraries the real tools are built on:
//
//	deploy-check compose [-f docker-compose.yml] [--profile NAME ...] [--env-file FILE]
//	    loads the file with compose-go, the library of Docker Compose itself, exactly as
//	    `docker compose config` does (schema, interpolation, defaults, cross-references such as
//	    depends_on, secrets and volumes), and prints the resolved project as JSON.
//	deploy-check dockerfile FILE
//	    parses FILE with BuildKit's Dockerfile parser and its parse-time lint rules (those of
//	    `docker build --check` that need no base image), and prints the stages as JSON: base
//	    image with the ARG defaults applied, and every instruction.
//
// Anything wrong is one line on stderr and exit code 1. ./isoplast test builds it from the Go
// module proxy (versions pinned by go.mod and go.sum); DeployFilesTest runs it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: deploy-check compose [-f FILE] [--profile NAME] | deploy-check dockerfile FILE"))
	}
	switch os.Args[1] {
	case "compose":
		compose(os.Args[2:])
	case "dockerfile":
		if len(os.Args) != 3 {
			fail(fmt.Errorf("usage: deploy-check dockerfile FILE"))
		}
		dockerfile(os.Args[2])
	default:
		fail(fmt.Errorf("unknown command %q: expected compose or dockerfile", os.Args[1]))
	}
}

func compose(args []string) {
	fs := flag.NewFlagSet("compose", flag.ExitOnError)
	var files, profiles, envFiles list
	fs.Var(&files, "f", "compose file (repeatable; default docker-compose.yml)")
	fs.Var(&profiles, "profile", "enable a profile (repeatable)")
	fs.Var(&envFiles, "env-file", "environment file for interpolation (default: .env beside the file, if any)")
	fs.Parse(args)
	if len(files) == 0 {
		files = list{"docker-compose.yml"}
	}
	options := []cli.ProjectOptionsFn{cli.WithOsEnv, cli.WithProfiles(profiles)}
	if len(envFiles) > 0 {
		options = append(options, cli.WithEnvFiles(envFiles...))
	}
	options = append(options, cli.WithDotEnv)
	opts, err := cli.NewProjectOptions(files, options...)
	if err != nil {
		fail(err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		fail(err)
	}
	out, err := project.MarshalJSON()
	if err != nil {
		fail(err)
	}
	os.Stdout.Write(out)
	os.Stdout.WriteString("\n")
}

type instruction struct {
	Instruction string   `json:"instruction"`
	Text        string   `json:"text"`
	Args        []string `json:"args,omitempty"`  // CMD, ENTRYPOINT, RUN, HEALTHCHECK test: the command line
	Shell       bool     `json:"shell,omitempty"` // the command line runs through /bin/sh -c
	Sources     []string `json:"sources,omitempty"`
	Dest        string   `json:"dest,omitempty"`
	From        string   `json:"from,omitempty"` // COPY --from
	User        string   `json:"user,omitempty"`
	Ports       []string `json:"ports,omitempty"`
	Env         []string `json:"env,omitempty"` // KEY=VALUE
	Mounts      []string `json:"mounts,omitempty"`
}

type stage struct {
	Name         string        `json:"name"`
	Base         string        `json:"base"`
	Instructions []instruction `json:"instructions"`
}

var argRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?`)

func dockerfile(file string) {
	dt, err := os.ReadFile(file)
	if err != nil {
		fail(err)
	}
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		fail(fmt.Errorf("%s: %w", file, err))
	}
	for _, w := range ast.Warnings {
		fail(fmt.Errorf("%s:%d: %s", file, w.Location.Start.Line, w.Short))
	}
	var warnings []string
	lint := linter.New(&linter.Config{Warn: func(rule, description, url, msg string, location []parser.Range) {
		line := 0
		if len(location) > 0 {
			line = location[0].Start.Line
		}
		warnings = append(warnings, fmt.Sprintf("%s:%d: %s (%s)", file, line, msg, rule))
	}})
	stages, metaArgs, err := instructions.Parse(ast.AST, lint)
	if err != nil {
		fail(fmt.Errorf("%s: %w", file, err))
	}
	if len(warnings) > 0 {
		fail(fmt.Errorf("%s", strings.Join(warnings, "; ")))
	}
	defaults := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				defaults[kv.Key] = *kv.Value
			}
		}
	}
	var out []stage
	for _, s := range stages {
		base := argRef.ReplaceAllStringFunc(s.BaseName, func(ref string) string {
			name := argRef.FindStringSubmatch(ref)[1]
			if v, ok := defaults[name]; ok {
				return v
			}
			fail(fmt.Errorf("%s: FROM %s uses ARG %s, which has no default", file, s.BaseName, name))
			return ""
		})
		st := stage{Name: s.Name, Base: base}
		for _, c := range s.Commands {
			in := instruction{Instruction: strings.ToUpper(c.Name()), Text: fmt.Sprint(c)}
			switch v := c.(type) {
			case *instructions.RunCommand:
				in.Args, in.Shell = v.CmdLine, v.PrependShell
				for _, m := range instructions.GetMounts(v) {
					in.Mounts = append(in.Mounts, fmt.Sprintf("type=%s,target=%s", m.Type, m.Target))
				}
			case *instructions.CmdCommand:
				in.Args, in.Shell = v.CmdLine, v.PrependShell
			case *instructions.EntrypointCommand:
				in.Args, in.Shell = v.CmdLine, v.PrependShell
			case *instructions.HealthCheckCommand:
				in.Args = v.Health.Test
			case *instructions.CopyCommand:
				in.Sources, in.Dest, in.From = v.SourcePaths, v.DestPath, v.From
			case *instructions.AddCommand:
				in.Sources, in.Dest = v.SourcePaths, v.DestPath
			case *instructions.UserCommand:
				in.User = v.User
			case *instructions.ExposeCommand:
				in.Ports = v.Ports
			case *instructions.EnvCommand:
				for _, kv := range v.Env {
					in.Env = append(in.Env, kv.Key+"="+kv.Value)
				}
			}
			st.Instructions = append(st.Instructions, in)
		}
		out = append(out, st)
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(map[string]any{"file": file, "stages": out}); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "deploy-check: "+strings.ReplaceAll(err.Error(), "\n", "; "))
	os.Exit(1)
}
