// Command porcupine-peer times Porcupine's linearizability check on the
// histories Porcupine publishes with its sources (test_data/): the Jepsen
// etcd logs against a compare-and-set register, the key-value logs against
// a get/put/append map partitioned by key. It is the Go half of
// benches/peers/porcupine.sh; the Rust half is the `check` binary
// (benches/peers/src/check/), which reads the same files the same way.
//
//	porcupine-peer -data DIR -expected FILE [-reps N] [-only TEXT,...] [-timeout D]
//
// FILE lists the histories, one per line: a path under DIR and the verdict
// the history is known to have (ok or illegal). Each history is parsed
// once into Porcupine events, in the order of the file's lines; then
// porcupine.CheckEventsTimeout (no timeout unless -timeout) is timed -reps times, and one
// line is printed per file:
//
//	name ops verdict median-ms min-ms max-ms
//
// The exit status is 1 when a verdict is not the expected one.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"
)

// ---- the CAS register (etcd) ----

// regState is the register's value; set is false until the first write
// (etcd's nil).
type regState struct {
	set   bool
	value int
}

type regKind uint8

const (
	regRead regKind = iota
	regWrite
	regCas
)

type regCall struct {
	kind regKind
	a, b int // write: a; cas: from a to b
}

type regResult struct {
	unknown bool // no response: the call may have happened, with any result
	swapped bool // cas
	found   bool // read: false for nil
	value   int  // read
}

func regStep(state, input, output interface{}) (bool, interface{}) {
	st := state.(regState)
	call := input.(regCall)
	res := output.(regResult)
	switch call.kind {
	case regRead:
		fits := res.unknown || (res.found == st.set && (!st.set || res.value == st.value))
		return fits, st
	case regWrite:
		return true, regState{set: true, value: call.a}
	default:
		matches := st.set && st.value == call.a
		next := st
		if matches {
			next = regState{set: true, value: call.b}
		}
		return res.unknown || res.swapped == matches, next
	}
}

func regHash(state interface{}) uint64 {
	st := state.(regState)
	h := uint64(st.value)*0x9e3779b97f4a7c15 + 1
	if st.set {
		h ^= 0xd6e8feb86659fd93
	}
	return h
}

var registerModel = porcupine.Model{
	Init: func() interface{} { return regState{} },
	Step: regStep,
	Hash: regHash,
}

// ---- the key-value map with append, one key per partition ----

type kvKind uint8

const (
	kvGet kvKind = iota
	kvPut
	kvAppend
)

type kvCall struct {
	kind  kvKind
	key   string
	value string
}

type kvResult struct {
	unknown bool
	value   string // a get's
}

func kvStep(state, input, output interface{}) (bool, interface{}) {
	st := state.(string)
	call := input.(kvCall)
	res := output.(kvResult)
	switch call.kind {
	case kvGet:
		return res.unknown || res.value == st, st
	case kvPut:
		return true, call.value
	default:
		return true, st + call.value
	}
}

func kvHash(state interface{}) uint64 {
	h := fnv.New64a()
	h.Write([]byte(state.(string)))
	return h.Sum64()
}

// kvPartition groups the events by the key of their call, keys in the order
// they first appear.
func kvPartition(events []porcupine.Event) [][]porcupine.Event {
	keyOf := map[int]string{}
	index := map[string]int{}
	var parts [][]porcupine.Event
	for _, e := range events {
		key, seen := keyOf[e.Id]
		if !seen {
			key = e.Value.(kvCall).key
			keyOf[e.Id] = key
		}
		i, ok := index[key]
		if !ok {
			i = len(parts)
			index[key] = i
			parts = append(parts, nil)
		}
		parts[i] = append(parts[i], e)
	}
	return parts
}

var kvModel = porcupine.Model{
	PartitionEvent: kvPartition,
	Init:           func() interface{} { return "" },
	Step:           kvStep,
	Hash:           kvHash,
}

// ---- parsing ----

// recorder turns a log's invocations and completions into events: each
// call gets an id, remembered per process until its completion. Calls
// still open at the end return last, with an unknown result.
type recorder struct {
	events  []porcupine.Event
	open    map[int]int
	pending []porcupine.Event // unknown returns, appended at the end
	next    int
}

func newRecorder() *recorder { return &recorder{open: map[int]int{}} }

func (r *recorder) invoke(process int, call interface{}) error {
	if _, busy := r.open[process]; busy {
		return errors.New("a second call of a process with one open")
	}
	r.open[process] = r.next
	r.events = append(r.events, porcupine.Event{ClientId: process, Kind: porcupine.CallEvent, Value: call, Id: r.next})
	r.next++
	return nil
}

// complete records the return of process's call now; an unknown one (no
// response, so the call may take effect at any later time) is held back
// and returns after everything.
func (r *recorder) complete(process int, result interface{}, unknown bool) error {
	id, ok := r.open[process]
	if !ok {
		return errors.New("a completion without a call")
	}
	delete(r.open, process)
	e := porcupine.Event{ClientId: process, Kind: porcupine.ReturnEvent, Value: result, Id: id}
	if unknown {
		r.pending = append(r.pending, e)
	} else {
		r.events = append(r.events, e)
	}
	return nil
}

func (r *recorder) finish(unknown interface{}) []porcupine.Event {
	procs := make([]int, 0, len(r.open))
	for p := range r.open {
		procs = append(procs, p)
	}
	sort.Ints(procs)
	for _, p := range procs {
		r.pending = append(r.pending, porcupine.Event{ClientId: p, Kind: porcupine.ReturnEvent, Value: unknown, Id: r.open[p]})
	}
	return append(r.events, r.pending...)
}

// parseEtcd reads `INFO  jepsen.util - 3	:ok	:cas	[1 4]` lines. :info
// (the client gave up) and a timed-out read are calls of unknown result.
func parseEtcd(text string) ([]porcupine.Event, int, error) {
	r := newRecorder()
	ops := 0
	for no, line := range strings.Split(text, "\n") {
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		bad := func(why string) error { return fmt.Errorf("line %d: %s: %s", no+1, why, line) }
		if len(w) < 6 || w[0] != "INFO" || w[1] != "jepsen.util" || w[2] != "-" {
			return nil, 0, bad("not a jepsen.util line")
		}
		process, err := strconv.Atoi(w[3])
		if err != nil {
			return nil, 0, bad("bad process")
		}
		kind, f, args := w[4], w[5], w[6:]
		num := func(s string) (int, error) { return strconv.Atoi(strings.Trim(s, "[]")) }
		if kind == ":invoke" {
			var call regCall
			switch {
			case f == ":read" && len(args) == 1 && args[0] == "nil":
				call = regCall{kind: regRead}
			case f == ":write" && len(args) == 1:
				v, err := num(args[0])
				if err != nil {
					return nil, 0, bad("bad value")
				}
				call = regCall{kind: regWrite, a: v}
			case f == ":cas" && len(args) == 2:
				a, err1 := num(args[0])
				b, err2 := num(args[1])
				if err1 != nil || err2 != nil {
					return nil, 0, bad("bad value")
				}
				call = regCall{kind: regCas, a: a, b: b}
			default:
				return nil, 0, bad("unknown invocation")
			}
			if err := r.invoke(process, call); err != nil {
				return nil, 0, bad(err.Error())
			}
			ops++
			continue
		}
		var res regResult
		unknown := false
		switch {
		case kind == ":ok" && f == ":read" && len(args) == 1:
			if args[0] != "nil" {
				v, err := num(args[0])
				if err != nil {
					return nil, 0, bad("bad value")
				}
				res = regResult{found: true, value: v}
			}
		case kind == ":ok" && f == ":write":
		case kind == ":ok" && f == ":cas":
			res = regResult{swapped: true}
		case kind == ":fail" && f == ":cas":
			res = regResult{swapped: false}
		case kind == ":fail" && f == ":read" && len(args) == 1 && args[0] == ":timed-out",
			kind == ":info":
			res = regResult{unknown: true}
			unknown = true
		default:
			return nil, 0, bad("unknown completion")
		}
		if err := r.complete(process, res, unknown); err != nil {
			return nil, 0, bad(err.Error())
		}
	}
	return r.finish(regResult{unknown: true}), ops, nil
}

// ednFields reads `{:process 3, :type :ok, :f :get, :key "7", :value "x"}`
// into name -> value; strings lose their quotes, keywords keep the colon.
func ednFields(line string) (map[string]string, error) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, "{") || !strings.HasSuffix(s, "}") {
		return nil, errors.New("not a {...} map")
	}
	s = s[1 : len(s)-1]
	out := map[string]string{}
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			return out, nil
		}
		if s[i] != ':' {
			return nil, errors.New("a field name should start with ':'")
		}
		j := strings.IndexAny(s[i:], " \t")
		if j < 0 {
			return nil, errors.New("a field without a value")
		}
		name := s[i+1 : i+j]
		i += j
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
		if i < len(s) && s[i] == '"' {
			var b strings.Builder
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				b.WriteByte(s[i])
			}
			if i == len(s) {
				return nil, errors.New("an unterminated string")
			}
			i++
			out[name] = "\"" + b.String()
		} else {
			j := strings.IndexByte(s[i:], ',')
			if j < 0 {
				j = len(s) - i
			}
			out[name] = strings.TrimSpace(s[i : i+j])
			i += j
		}
	}
}

// parseKv reads the key-value histories, one map per line.
func parseKv(text string) ([]porcupine.Event, int, error) {
	r := newRecorder()
	ops := 0
	for no, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		bad := func(why string) error { return fmt.Errorf("line %d: %s: %s", no+1, why, line) }
		m, err := ednFields(line)
		if err != nil {
			return nil, 0, bad(err.Error())
		}
		process, err := strconv.Atoi(m["process"])
		if err != nil {
			return nil, 0, bad("bad process")
		}
		key, value := m["key"], m["value"]
		if !strings.HasPrefix(key, "\"") {
			return nil, 0, bad("bad key")
		}
		key = key[1:]
		isText := strings.HasPrefix(value, "\"")
		text := strings.TrimPrefix(value, "\"")
		if !isText && value != "nil" {
			return nil, 0, bad("bad value")
		}
		switch m["type"] {
		case ":invoke":
			var call kvCall
			switch {
			case m["f"] == ":get" && !isText:
				call = kvCall{kind: kvGet, key: key}
			case m["f"] == ":put" && isText:
				call = kvCall{kind: kvPut, key: key, value: text}
			case m["f"] == ":append" && isText:
				call = kvCall{kind: kvAppend, key: key, value: text}
			default:
				return nil, 0, bad("unknown invocation")
			}
			if err := r.invoke(process, call); err != nil {
				return nil, 0, bad(err.Error())
			}
			ops++
		case ":ok":
			err = r.complete(process, kvResult{value: text}, false)
		case ":info":
			err = r.complete(process, kvResult{unknown: true}, true)
		default:
			return nil, 0, bad("unknown completion")
		}
		if err != nil {
			return nil, 0, bad(err.Error())
		}
	}
	return r.finish(kvResult{unknown: true}), ops, nil
}

// ---- the run ----

func verdictName(r porcupine.CheckResult) string {
	switch r {
	case porcupine.Ok:
		return "ok"
	case porcupine.Illegal:
		return "illegal"
	default:
		return "unknown"
	}
}

func run() (bool, error) {
	data := flag.String("data", "", "Porcupine's test_data directory")
	expected := flag.String("expected", "", "the list of histories and their verdicts")
	reps := flag.Int("reps", 7, "timed checks per history")
	only := flag.String("only", "", "only the histories whose name contains one of these (comma-separated)")
	timeout := flag.Duration("timeout", 0, "give up a check after this long (verdict unknown); 0: never")
	flag.Parse()
	if *data == "" || *expected == "" || *reps < 1 {
		return false, errors.New("usage: porcupine-peer -data DIR -expected FILE [-reps N] [-only TEXT,...] [-timeout D]")
	}
	list, err := os.ReadFile(*expected)
	if err != nil {
		return false, err
	}
	agree := true
	sc := bufio.NewScanner(strings.NewReader(string(list)))
	for sc.Scan() {
		line, _, _ := strings.Cut(sc.Text(), "#")
		w := strings.Fields(line)
		if len(w) == 0 {
			continue
		}
		if len(w) != 2 || (w[1] != "ok" && w[1] != "illegal") {
			return false, fmt.Errorf("%s: bad line: %s", *expected, line)
		}
		file, want := w[0], w[1]
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		if *only != "" {
			hit := false
			for _, o := range strings.Split(*only, ",") {
				hit = hit || strings.Contains(name, strings.TrimSpace(o))
			}
			if !hit {
				continue
			}
		}
		text, err := os.ReadFile(filepath.Join(*data, file))
		if err != nil {
			return false, err
		}
		var events []porcupine.Event
		var ops int
		model := registerModel
		if strings.HasSuffix(file, ".log") {
			events, ops, err = parseEtcd(string(text))
		} else {
			events, ops, err = parseKv(string(text))
			model = kvModel
		}
		if err != nil {
			return false, fmt.Errorf("%s: %w", file, err)
		}
		ms := make([]float64, 0, *reps)
		verdict := ""
		for i := 0; i < *reps; i++ {
			start := time.Now()
			res := porcupine.CheckEventsTimeout(model, events, *timeout)
			ms = append(ms, float64(time.Since(start).Nanoseconds())/1e6)
			v := verdictName(res)
			if verdict != "" && v != verdict {
				return false, fmt.Errorf("%s: the verdict changed between runs", name)
			}
			verdict = v
		}
		sort.Float64s(ms)
		median := ms[len(ms)/2]
		if len(ms)%2 == 0 {
			median = (ms[len(ms)/2-1] + ms[len(ms)/2]) / 2
		}
		fmt.Printf("%s %d %s %.3f %.3f %.3f\n", name, ops, verdict, median, ms[0], ms[len(ms)-1])
		if verdict != want {
			fmt.Fprintf(os.Stderr, "porcupine-peer: %s: verdict %s, expected %s\n", name, verdict, want)
			agree = false
		}
	}
	return agree, nil
}

func main() {
	agree, err := run()
	if err != nil {
		fmt.Fprintln(os.Stderr, "porcupine-peer:", err)
		os.Exit(2)
	}
	if !agree {
		os.Exit(1)
	}
}
