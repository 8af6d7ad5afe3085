package awsfront

import (
	"net/http"
	"net/url"
	"strconv"
)

// The EC2 query protocol's lists, filters and page sizes, as every EC2
// action reads them
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html,
// https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Using_Filtering.html).

// ec2QueryList reads a query-protocol list: prefix.1, prefix.2, …
func ec2QueryList(form url.Values, prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		v, ok := form[prefix+"."+strconv.Itoa(i)]
		if !ok || len(v) == 0 {
			return out
		}
		out = append(out, v[0])
	}
}

// ec2Filter is one Filter.N: its name and values; a resource matches it
// when it has any of the values.
type ec2Filter struct {
	name   string
	values []string
}

// ec2Filters reads Filter.N.Name and Filter.N.Value.M; a name the action
// does not know (valid says which it does) fails with
// InvalidParameterValue, as EC2 answers.
func ec2Filters(form url.Values, valid func(name string) bool) ([]ec2Filter, *apiError) {
	var out []ec2Filter
	for i := 1; ; i++ {
		p := "Filter." + strconv.Itoa(i)
		name := form.Get(p + ".Name")
		if name == "" {
			return out, nil
		}
		if !valid(name) {
			return nil, errorf("InvalidParameterValue", http.StatusBadRequest, "The filter '%s' is invalid", name)
		}
		out = append(out, ec2Filter{name: name, values: ec2QueryList(form, p+".Value")})
	}
}

// ec2MaxResults reads MaxResults (5 to 1000; not with a list of IDs, the
// list named listName in EC2's message).
func ec2MaxResults(form url.Values, withIDs bool, listName string) (int, *apiError) {
	v := form.Get("MaxResults")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n < 5 || n > 1000:
		return 0, errorf("InvalidParameterValue", http.StatusBadRequest, "Value ( %s ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.", v)
	case withIDs:
		return 0, errorf("InvalidParameterCombination", http.StatusBadRequest, "The parameter %s cannot be used with the parameter maxResults", listName)
	}
	return n, nil
}
