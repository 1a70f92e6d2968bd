// argolua runs an Argo CD resource customization script the way Argo CD does (util/lua in argo-cd):
// a fresh gopher-lua state with only the package, base and table libraries and the "safe" os module
// (time and date, reached through require("os")), the object as the global obj, a one-second limit,
// and the result encoded with gopher-json, as Argo CD reads it. Usage:
//
//	argolua health|discovery|action SCRIPT.lua < object.json
//
// It prints the health ({"status","message"}), the actions ([{"name","disabled",...}], by name) or the
// object an action returns (with empty tables put back as objects where the input had objects).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	lua "github.com/yuin/gopher-lua"
	luajson "layeh.com/gopher-json"
)

func main() {
	if len(os.Args) != 3 {
		fail(fmt.Errorf("usage: argolua health|discovery|action SCRIPT.lua < object.json"))
	}
	script, err := os.ReadFile(os.Args[2])
	check(err)
	input, err := io.ReadAll(os.Stdin)
	check(err)
	var obj map[string]interface{}
	check(json.Unmarshal(input, &obj))

	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.LoadLibName, lua.OpenPackage}, {lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}} {
		check(l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)))
	}
	l.PreloadModule("os", func(l *lua.LState) int {
		l.Push(l.SetFuncs(l.NewTable(), map[string]lua.LGFunction{"time": osTime, "date": osDate}))
		return 1
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", luajson.DecodeValue(l, obj))
	check(l.DoString(string(script)))
	result := l.Get(-1)
	if result.Type() != lua.LTTable {
		fail(fmt.Errorf("expect table output from Lua script, not %s", result.Type()))
	}
	encoded, err := luajson.Encode(result)
	check(err)

	var out interface{}
	switch os.Args[1] {
	case "health":
		var health struct{ Status, Message string }
		check(json.Unmarshal(encoded, &health))
		switch health.Status {
		case "Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown":
		default:
			health.Status, health.Message = "Unknown", "Lua returned an invalid health status"
		}
		out = map[string]string{"status": health.Status, "message": health.Message}
	case "discovery":
		actions := []map[string]interface{}{}
		if string(encoded) != "[]" { // an empty Lua table encodes as an empty array: no actions
			var byName map[string]interface{}
			check(json.Unmarshal(encoded, &byName))
			for name, value := range byName {
				action := map[string]interface{}{"name": name, "disabled": false}
				if fields, ok := value.(map[string]interface{}); ok {
					for k, v := range fields {
						action[k] = v
					}
				}
				actions = append(actions, action)
			}
			sort.Slice(actions, func(i, j int) bool { return actions[i]["name"].(string) < actions[j]["name"].(string) })
		}
		out = actions
	case "action":
		var returned interface{}
		check(json.Unmarshal(encoded, &returned))
		out = restoreEmptyObjects(returned, obj)
	default:
		fail(fmt.Errorf("unknown mode %q", os.Args[1]))
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetEscapeHTML(false)
	check(encoder.Encode(out))
}

// Lua cannot tell an empty object from an empty array, so gopher-json writes [] for both; Argo CD puts
// an object back where the live object had one, in objects and, index by index, in arrays.
func restoreEmptyObjects(returned, live interface{}) interface{} {
	switch v := returned.(type) {
	case map[string]interface{}:
		if old, ok := live.(map[string]interface{}); ok {
			for key, value := range v {
				v[key] = restoreEmptyObjects(value, old[key])
			}
		}
	case []interface{}:
		if old, ok := live.(map[string]interface{}); ok && len(v) == 0 {
			return old
		}
		if old, ok := live.([]interface{}); ok {
			for i := range v {
				if i < len(old) {
					v[i] = restoreEmptyObjects(v[i], old[i])
				}
			}
		}
	}
	return returned
}

func osTime(l *lua.LState) int {
	l.Push(lua.LNumber(time.Now().Unix()))
	return 1
}

// os.date with the strftime flags Argo CD's safe os library knows; "!" means UTC.
func osDate(l *lua.LState) int {
	format, now := l.OptString(1, "%c"), time.Now()
	if strings.HasPrefix(format, "!") {
		format, now = format[1:], now.UTC()
	}
	layouts := map[byte]string{'Y': "2006", 'm': "01", 'd': "02", 'H': "15", 'M': "04", 'S': "05",
		'F': "2006-01-02", 'X': "15:04:05", 'c': "02 Jan 06 15:04 MST", 'z': "-0700", 'Z': "MST"}
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		if format[i] == '%' && i+1 < len(format) {
			if layout, ok := layouts[format[i+1]]; ok {
				b.WriteString(now.Format(layout))
				i++
				continue
			}
		}
		b.WriteByte(format[i])
	}
	l.Push(lua.LString(b.String()))
	return 1
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "argolua:", err)
	os.Exit(1)
}
