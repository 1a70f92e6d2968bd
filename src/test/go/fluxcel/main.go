// fluxcel gives the verdict Flux's kustomize-controller gives an object under a Kustomization's
// spec.healthCheckExprs (RFC 0009, fluxcd/pkg runtime/cel), with the CEL library Flux uses, cel-go,
// set up as Flux sets it up: the expressions parsed, not type-checked (no variables are declared, so any
// top-level field of the object is a variable), the environment options Flux enables, and the order
// Flux evaluates in. Usage:
//
//	fluxcel < {"exprs": {"current": ..., "inProgress": ..., "failed": ...}, "objects": [...]}
//
// It prints one verdict per object, in order: {"status": "InProgress"|"Failed"|"Current"}, or
// {"status": "Unknown", "error": ...} when an expression cannot be evaluated on it, which is what kstatus's
// generic status reader reports for an error of its status function.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/ext"
)

type input struct {
	Exprs struct {
		Current    string `json:"current"`
		InProgress string `json:"inProgress"`
		Failed     string `json:"failed"`
	} `json:"exprs"`
	Objects []map[string]interface{} `json:"objects"`
}

type verdict struct {
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// A verdict's expression; nil where the recipe leaves it out (only current is required).
type check struct {
	status  string
	program cel.Program
}

func main() {
	var in input
	decoder := json.NewDecoder(os.Stdin)
	decoder.UseNumber()
	must(decoder.Decode(&in))
	if in.Exprs.Current == "" {
		fail(fmt.Errorf("current is required"))
	}
	env, err := cel.NewEnv(cel.HomogeneousAggregateLiterals(), cel.EagerlyValidateDeclarations(true),
		cel.DefaultUTCTimeZone(true), cel.CrossTypeNumericComparisons(true), cel.OptionalTypes(),
		ext.Strings(), ext.Sets(), ext.Encoders())
	must(err)
	var checks []check
	// Flux's order: the first that is true decides.
	for _, c := range []struct{ status, expr string }{
		{"InProgress", in.Exprs.InProgress}, {"Failed", in.Exprs.Failed}, {"Current", in.Exprs.Current},
	} {
		if c.expr == "" {
			continue
		}
		ast, issues := env.Parse(c.expr)
		if issues != nil && issues.Err() != nil {
			fail(fmt.Errorf("%s: %v", c.status, issues.Err()))
		}
		program, err := env.Program(ast, cel.EvalOptions(cel.OptOptimize), cel.InterruptCheckFrequency(100))
		must(err)
		checks = append(checks, check{c.status, program})
	}
	verdicts := []verdict{}
	for _, obj := range in.Objects {
		verdicts = append(verdicts, evaluate(checks, normalize(obj).(map[string]interface{})))
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	must(encoder.Encode(verdicts))
}

func evaluate(checks []check, obj map[string]interface{}) verdict {
	// Before any expression: an observedGeneration behind the generation is InProgress.
	status, _ := obj["status"].(map[string]interface{})
	metadata, _ := obj["metadata"].(map[string]interface{})
	if observed, ok := status["observedGeneration"].(int64); ok {
		if generation, ok := metadata["generation"].(int64); ok && generation != observed {
			return verdict{Status: "InProgress"}
		}
	}
	for _, c := range checks {
		value, _, err := c.program.ContextEval(context.Background(), obj)
		if err != nil {
			return verdict{Status: "Unknown", Error: err.Error()}
		}
		result, ok := value.(types.Bool)
		if !ok {
			return verdict{Status: "Unknown", Error: fmt.Sprintf("%s is not a boolean", c.status)}
		}
		if result {
			return verdict{Status: c.status}
		}
	}
	return verdict{Status: "InProgress"}
}

// JSON numbers as unstructured.Unstructured holds them: int64 where integral, float64 otherwise.
func normalize(value interface{}) interface{} {
	switch v := value.(type) {
	case map[string]interface{}:
		for key, inner := range v {
			v[key] = normalize(inner)
		}
	case []interface{}:
		for i, inner := range v {
			v[i] = normalize(inner)
		}
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	}
	return value
}

func must(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fluxcel:", err)
	os.Exit(1)
}
