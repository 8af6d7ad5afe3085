package awsfront_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
	"github.com/fleetpatch/fleetpatch/fleet"
)

// ec2Client is the SDK's EC2 client for an account's assumed-role key.
func ec2Client(url, key string) *ec2.Client {
	return ec2.New(ec2.Options{
		Region: "eu-west-1", BaseEndpoint: aws.String(url),
		Credentials: credentials.NewStaticCredentialsProvider(key, "secret", "token"),
	})
}

func TestDescribeInstancesShowsStateAndInstanceProfile(t *testing.T) {
	f := cloudsim.Generate(cloudsim.Config{Seed: 5, Instances: 120, AzureShare: -1, HybridShare: 0.2, Speed: 1, Timing: &cloudsim.Timing{}})
	front := awsfront.New(f, awsfront.Options{PageSize: 4})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	mine, err := f.Discover(t.Context(), fleet.Selector{Accounts: []string{"111111111111"}, Regions: []string{"eu-west-1"}})
	require.NoError(t, err)
	var ec2IDs []string
	var hybrid string
	for _, in := range mine {
		if strings.HasPrefix(in.ID, "mi-") {
			hybrid = in.ID
		} else {
			ec2IDs = append(ec2IDs, in.ID)
		}
	}
	require.Greater(t, len(ec2IDs), 6)
	require.NotEmpty(t, hybrid)
	f.SetDrift(ec2IDs[1], cloudsim.Drift{Stopped: true})
	f.SetDrift(ec2IDs[2], cloudsim.Drift{NoInstanceProfile: true})
	c := ec2Client(srv.URL, "ASIA111111111111ABCD")

	// Every EC2 instance of the account and region, page by page; no
	// hybrid node, no other account's.
	var seen []string
	byID := map[string]ec2types.Instance{}
	pages := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(5)})
	n := 0
	for pages.HasMorePages() {
		page, err := pages.NextPage(t.Context())
		require.NoError(t, err)
		n++
		for _, r := range page.Reservations {
			assert.Equal(t, "111111111111", aws.ToString(r.OwnerId))
			for _, in := range r.Instances {
				seen = append(seen, aws.ToString(in.InstanceId))
				byID[aws.ToString(in.InstanceId)] = in
			}
		}
	}
	assert.Equal(t, ec2IDs, seen)
	assert.Greater(t, n, 1, "pages of at most 4")

	healthy := byID[ec2IDs[0]]
	assert.Equal(t, ec2types.InstanceStateNameRunning, healthy.State.Name)
	assert.Equal(t, int32(16), aws.ToInt32(healthy.State.Code))
	require.NotNil(t, healthy.IamInstanceProfile)
	assert.Equal(t, "arn:aws:iam::111111111111:instance-profile/"+awsfront.InstanceProfileName, aws.ToString(healthy.IamInstanceProfile.Arn))
	assert.NotEmpty(t, aws.ToString(healthy.IamInstanceProfile.Id))

	stopped := byID[ec2IDs[1]]
	assert.Equal(t, ec2types.InstanceStateNameStopped, stopped.State.Name)
	assert.Equal(t, int32(80), aws.ToInt32(stopped.State.Code))
	require.NotNil(t, stopped.StateReason)
	assert.Equal(t, "Client.UserInitiatedShutdown", aws.ToString(stopped.StateReason.Code))
	assert.Nil(t, byID[ec2IDs[2]].IamInstanceProfile, "no instance profile")

	// The instance-id filter ignores IDs that are not there; InstanceId.N
	// fails the call for them, and refuses MaxResults.
	out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{MaxResults: aws.Int32(50), Filters: []ec2types.Filter{
		{Name: aws.String("instance-id"), Values: []string{ec2IDs[1], "i-0123456789abcdef0", hybrid}},
	}})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 1)
	assert.Equal(t, ec2IDs[1], aws.ToString(out.Reservations[0].Instances[0].InstanceId))

	out, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("instance-state-name"), Values: []string{"stopped"}},
	}})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 1)

	out, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: ec2IDs[:2]})
	require.NoError(t, err)
	require.Len(t, out.Reservations, 2)
	_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{ec2IDs[0], "i-0123456789abcdef0"}})
	assert.Equal(t, "InvalidInstanceID.NotFound", code(err))
	_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{hybrid}})
	assert.Equal(t, "InvalidInstanceID.Malformed", code(err))
	_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: ec2IDs[:1], MaxResults: aws.Int32(5)})
	assert.Equal(t, "InvalidParameterCombination", code(err))
	_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{"x"}}}})
	assert.Equal(t, "InvalidParameterValue", code(err))

	other, err := ec2Client(srv.URL, "ASIA222222222222ABCD").DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{
		Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: ec2IDs}}})
	require.NoError(t, err)
	assert.Empty(t, other.Reservations, "another account sees none of them")

	front.DenyAction("111111111111", "ec2:DescribeInstances", "no identity-based policy allows the ec2:DescribeInstances action")
	_, err = c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
	assert.Equal(t, "UnauthorizedOperation", code(err))
	calls := front.Calls()
	last := calls[len(calls)-1]
	assert.Equal(t, awsfront.Call{Service: "ec2", Op: "DescribeInstances", Account: "111111111111", Region: "eu-west-1", Error: "UnauthorizedOperation"},
		awsfront.Call{Service: last.Service, Op: last.Op, Account: last.Account, Region: last.Region, Error: last.Error})
}

// code returns the AWS error code of err.
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}
