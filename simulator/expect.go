package simulator

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ErrHostLevel is returned by Expect for expectations about the hosts
// (expect shutdown, expect no shutdown, expect notify ONBATT 2, expect
// cmdscript NAME, expect timer NAME): only a replay through the whole
// stack can evaluate them; the device alone skips them.
var ErrHostLevel = errors.New("expectation about the hosts, not the device (evaluated by upslab replay)")

// Expect evaluates the words of a script's expect statement against the
// device state s. Two forms are understood:
//
//	expect status OB LB            ups.status has exactly these words (any order)
//	expect battery.charge <= 20    a Fields name, an operator, a value
//	expect sim.cable unplugged     (no operator means =)
//
// Operators: = != < <= > >=; numbers compare as numbers, anything else as
// text. The replay harness may evaluate the same words against what NUT
// shows instead (which lags the device by its polling); upslab sim and the
// scenario tests use this device-level reading.
func Expect(s State, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("empty expect")
	}
	switch args[0] {
	case "shutdown", "no", "notify", "cmdscript", "timer":
		return fmt.Errorf("expect %s: %w", strings.Join(args, " "), ErrHostLevel)
	case "sim.status": // the device's own status, as the replay spells it
		args = append([]string{"status"}, args[1:]...)
	case "output": // output on|off
		args = append([]string{"sim.output"}, args[1:]...)
	}
	if args[0] == "status" {
		want := append([]string(nil), args[1:]...)
		got := strings.Fields(s.Status())
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(want, " ") != strings.Join(got, " ") {
			return fmt.Errorf("status is %q, want %q", s.Status(), strings.Join(args[1:], " "))
		}
		return nil
	}
	name := args[0]
	op, val := "=", ""
	switch len(args) {
	case 2:
		val = args[1]
	case 3:
		op, val = args[1], args[2]
	default:
		return fmt.Errorf("expect %s: want NAME [OP] VALUE", strings.Join(args, " "))
	}
	var got string
	found := false
	for _, f := range s.Fields() {
		if f.Name == name {
			got, found = f.Value, true
			break
		}
	}
	if !found {
		return fmt.Errorf("expect: unknown name %q", name)
	}
	g, err1 := strconv.ParseFloat(strings.TrimSuffix(got, "%"), 64)
	w, err2 := strconv.ParseFloat(strings.TrimSuffix(val, "%"), 64)
	var ok bool
	if err1 == nil && err2 == nil {
		switch op {
		case "=", "==":
			ok = g == w
		case "!=":
			ok = g != w
		case "<":
			ok = g < w
		case "<=":
			ok = g <= w
		case ">":
			ok = g > w
		case ">=":
			ok = g >= w
		default:
			return fmt.Errorf("expect: unknown operator %q", op)
		}
	} else {
		switch op {
		case "=", "==":
			ok = got == val
		case "!=":
			ok = got != val
		default:
			return fmt.Errorf("expect: operator %q needs numbers (%s is %q)", op, name, got)
		}
	}
	if !ok {
		return fmt.Errorf("%s is %s, want %s %s", name, got, op, val)
	}
	return nil
}
