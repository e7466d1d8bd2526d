// Prints the JSON names of the framework's result-log event (pkg/resultlog/event.PipelineResult),
// one per line, in field order, as encoding/json writes them: the contract the viewer's decoder
// is checked against (test/integration/framework-contract.test.ts).
package main

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/ruslano69/tdtp-framework/pkg/resultlog/event"
)

func main() {
	t := reflect.TypeOf(event.PipelineResult{})
	for i := 0; i < t.NumField(); i++ {
		field := t.Field(i)
		if !field.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(field.Tag.Get("json"), ",")
		switch name {
		case "-":
			continue
		case "":
			name = field.Name
		}
		fmt.Println(name)
	}
}
