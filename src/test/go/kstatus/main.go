// kstatus prints what kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status, the library behind Flux's
// health checks and kubectl-style waiting in cli-utils) makes of one object: its status and message, as
// JSON ({"status":"InProgress","message":"..."}). Usage: kstatus < object.json
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

func main() {
	input, err := io.ReadAll(os.Stdin)
	check(err)
	obj := &unstructured.Unstructured{}
	check(obj.UnmarshalJSON(input))
	result, err := status.Compute(obj)
	check(err)
	check(json.NewEncoder(os.Stdout).Encode(map[string]string{
		"status": result.Status.String(), "message": result.Message}))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "kstatus:", err)
		os.Exit(1)
	}
}
