package awsfront

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/smithy-go/encoding/cbor"

	"github.com/fleetpatch/fleetpatch/fleet"
)

// CloudWatch as the SDK's client (aws-sdk-go-v2/service/cloudwatch
// v1.76) calls it: the Smithy RPC v2 CBOR protocol, a POST to
// /service/GraniteServiceVersion20100801/operation/<Operation> with
// Smithy-Protocol: rpc-v2-cbor, a CBOR map of the input's members as the
// body and the output's as the answer (timestamps as tag 1, epoch seconds);
// errors are a CBOR map with __type and message, and, since CloudWatch is
// awsQueryCompatible, the query error code in X-Amzn-Query-Error
// (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html,
// https://smithy.io/2.0/aws/protocols/aws-query-protocol.html#aws-protocols-awsquerycompatible-trait).
// The one operation served is DescribeAlarms, over the fleet's CloudWatch
// alarms (cloudsim.Fleet.SetAlarm) of the caller's account and region.
const (
	cloudWatchPath   = "/service/GraniteServiceVersion20100801/operation/"
	cloudWatchAction = "cloudwatch:DescribeAlarms"
	maxDescribeNames = 100
	maxDescribeRows  = 100
	alarmTypeMetric  = "MetricAlarm"
	alarmTypeComp    = "CompositeAlarm"
)

// serveCloudWatch serves one rpcv2Cbor request of CloudWatch.
func (s *Server) serveCloudWatch(w http.ResponseWriter, r *http.Request, cred credential) {
	op := strings.TrimPrefix(r.URL.Path, cloudWatchPath)
	account, region := s.account(cred), cred.region
	idx := s.record(Call{Service: "monitoring", Op: op, Account: account, Region: region})
	w.Header().Set("x-amzn-RequestId", s.requestID())
	fail := func(e *apiError) {
		s.finish(idx, nil, e.code)
		writeCBORError(w, e)
	}
	if r.Method != http.MethodPost || r.Header.Get("Smithy-Protocol") != "rpc-v2-cbor" {
		fail(errorf("UnknownOperationException", http.StatusBadRequest, "expected a POST with Smithy-Protocol: rpc-v2-cbor"))
		return
	}
	if op != "DescribeAlarms" {
		fail(errorf("UnknownOperationException", http.StatusBadRequest, "operation %s is not emulated", op))
		return
	}
	body, err := readAll(r)
	if err != nil {
		fail(errorf("SerializationException", http.StatusBadRequest, "%v", err))
		return
	}
	in := cbor.Map{}
	if len(body) > 0 {
		v, err := cbor.Decode(body)
		m, ok := v.(cbor.Map)
		if err != nil || !ok {
			fail(errorf("SerializationException", http.StatusBadRequest, "the body is not a CBOR map: %v", err))
			return
		}
		in = m
	}
	if e := s.deniedCloudWatch(account, region); e != nil {
		fail(e)
		return
	}
	if s.throttle.throttled(account, region) {
		fail(errorf("Throttling", http.StatusBadRequest, "Rate exceeded"))
		return
	}
	out, e := s.describeAlarms(account, region, in)
	if e != nil {
		fail(e)
		return
	}
	s.finish(idx, nil, "")
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(cbor.Encode(out))
}

// deniedCloudWatch is the AccessDenied of a caller whose DescribeAlarms
// DenyAction("cloudwatch:DescribeAlarms") denies, or nil.
func (s *Server) deniedCloudWatch(account, region string) *apiError {
	why, denied := s.denial(account, cloudWatchAction)
	if !denied {
		return nil
	}
	return errorf("AccessDenied", http.StatusForbidden,
		"User: arn:aws:sts::%s:assumed-role/fleetpatch-target/fleetpatch is not authorized to perform: %s on resource: arn:aws:cloudwatch:%s:%s:alarm:* because %s",
		account, cloudWatchAction, region, account, why)
}

// describeAlarms answers DescribeAlarms with the filters AlarmNames (at
// most 100), AlarmNamePrefix, AlarmTypes (only metric alarms when not
// given: the fleet's alarms are metric alarms), StateValue, MaxRecords (1
// to 100) and NextToken
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html).
func (s *Server) describeAlarms(account, region string, in cbor.Map) (cbor.Map, *apiError) {
	names, prefix, types := cborStrings(in["AlarmNames"]), cborString(in["AlarmNamePrefix"]), cborStrings(in["AlarmTypes"])
	state, token := cborString(in["StateValue"]), cborString(in["NextToken"])
	maxRecords := 0
	if v, ok := in["MaxRecords"].(cbor.Uint); ok {
		maxRecords = int(v)
	}
	switch {
	case len(names) > maxDescribeNames:
		return nil, errorf("ValidationError", http.StatusBadRequest, "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have length less than or equal to %d", maxDescribeNames)
	case len(names) > 0 && prefix != "":
		return nil, errorf("InvalidParameterCombination", http.StatusBadRequest, "AlarmNames and AlarmNamePrefix cannot be used together.")
	case in["MaxRecords"] != nil && (maxRecords < 1 || maxRecords > maxDescribeRows):
		return nil, errorf("ValidationError", http.StatusBadRequest, "1 validation error detected: Value at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and %d", maxDescribeRows)
	}
	metric := len(types) == 0
	for _, t := range types {
		switch t {
		case alarmTypeMetric:
			metric = true
		case alarmTypeComp:
		default:
			return nil, errorf("ValidationError", http.StatusBadRequest, "AlarmTypes value %q is not valid", t)
		}
	}
	wanted := map[string]bool{}
	for _, n := range names {
		wanted[n] = true
	}
	var list []cbor.Value
	if metric {
		for _, a := range s.fleet.Alarms() {
			if a.Cloud != fleet.CloudAWS || a.Account != account || a.Region != region ||
				(len(names) > 0 && !wanted[a.Name]) || !strings.HasPrefix(a.Name, prefix) || (state != "" && a.State() != state) {
				continue
			}
			list = append(list, cbor.Map{
				"AlarmName": cbor.String(a.Name), "AlarmArn": cbor.String(fmt.Sprintf("arn:aws:cloudwatch:%s:%s:alarm:%s", region, account, a.Name)),
				"StateValue": cbor.String(a.State()), "StateReason": cbor.String(a.Reason), "ActionsEnabled": cbor.Bool(true),
				"StateUpdatedTimestamp": &cbor.Tag{ID: 1, Value: cbor.Float64(float64(a.Changed.UnixMilli()) / 1e3)},
			})
		}
	}
	sort.SliceStable(list, func(i, j int) bool {
		return list[i].(cbor.Map)["AlarmName"].(cbor.String) < list[j].(cbor.Map)["AlarmName"].(cbor.String)
	})
	from, to, next, e := s.page(len(list), token, maxRecords)
	if e != nil {
		return nil, errorf("InvalidNextToken", http.StatusBadRequest, "The service couldn't process your request because the NextToken is not valid.")
	}
	out := cbor.Map{"MetricAlarms": cbor.List(append([]cbor.Value{}, list[from:to]...)), "CompositeAlarms": cbor.List{}}
	if next != "" {
		out["NextToken"] = cbor.String(next)
	}
	return out, nil
}

// writeCBORError answers an rpcv2Cbor error: a CBOR map with __type and
// message, and the query code in X-Amzn-Query-Error.
func writeCBORError(w http.ResponseWriter, e *apiError) {
	fault := "Sender"
	if e.status >= 500 {
		fault = "Receiver"
	}
	w.Header().Set("Content-Type", "application/cbor")
	w.Header().Set("Smithy-Protocol", "rpc-v2-cbor")
	w.Header().Set("X-Amzn-Query-Error", e.code+";"+fault)
	w.WriteHeader(e.status)
	_, _ = w.Write(cbor.Encode(cbor.Map{"__type": cbor.String("com.amazonaws.cloudwatch#" + e.code), "message": cbor.String(e.message)}))
}

func cborString(v cbor.Value) string {
	if s, ok := v.(cbor.String); ok {
		return string(s)
	}
	return ""
}

func cborStrings(v cbor.Value) []string {
	l, _ := v.(cbor.List)
	out := make([]string, 0, len(l))
	for _, x := range l {
		out = append(out, cborString(x))
	}
	return out
}
