package awsfront_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
	"github.com/aws/smithy-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fleetpatch/fleetpatch/cloudsim"
	"github.com/fleetpatch/fleetpatch/cloudsim/awsfront"
)

// A customer document of Options.Documents runs on Linux and Windows
// alike through the fleet, under the command's Comment as its name, and
// reports the step that ran; one that is not there fails InvalidDocument.
func TestCustomerDocumentsRunOnEveryPlatform(t *testing.T) {
	clock := cloudsim.NewVirtualClock(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	f := cloudsim.Generate(cloudsim.Config{Seed: 3, Instances: 60, AzureShare: -1, HybridShare: -1, Clock: clock,
		OSMix: []cloudsim.Share{{Key: cloudsim.ProductUbuntu2204, Weight: 3}, {Key: cloudsim.ProductWindows2022, Weight: 1}}})
	front := awsfront.New(f, awsfront.Options{InvocationLag: -1, Documents: []string{"Acme-Drain"}})
	srv := httptest.NewServer(front)
	defer func() { srv.Close(); front.Close() }()
	var linux, windows, account, region string
	for _, in := range f.Instances() {
		if in.OS.IsWindows() {
			windows, account, region = in.ID, in.Account, in.Region
			break
		}
	}
	for _, in := range f.Instances() {
		if !in.OS.IsWindows() && in.Account == account && in.Region == region {
			linux = in.ID
			break
		}
	}
	require.NotEmpty(t, linux)
	c := ssm.New(ssm.Options{Region: region, BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider("ASIA"+account+"ABCD", "secret", "token")})
	f.SetNamedCommandOutcome(windows, "drain web", cloudsim.CommandOutcome{ExitCode: 4, Output: "still serving"})

	params := map[string][]string{"targetGroup": {"web"}}
	out, err := c.SendCommand(t.Context(), &ssm.SendCommandInput{DocumentName: aws.String("Acme-Drain"),
		InstanceIds: []string{linux, windows}, Parameters: params, Comment: aws.String("drain web")})
	require.NoError(t, err)
	assert.Equal(t, "Acme-Drain", aws.ToString(out.Command.DocumentName))
	id := out.Command.CommandId
	var invs []types.CommandInvocation
	require.Eventually(t, func() bool {
		page, err := c.ListCommandInvocations(t.Context(), &ssm.ListCommandInvocationsInput{CommandId: id, Details: true})
		require.NoError(t, err)
		invs = page.CommandInvocations
		for _, inv := range invs {
			if inv.Status == types.CommandInvocationStatusInProgress {
				return false
			}
		}
		return len(invs) == 2
	}, 5*time.Second, 5*time.Millisecond)
	for _, inv := range invs {
		assert.Equal(t, "Acme-Drain", aws.ToString(inv.DocumentName))
		require.Len(t, inv.CommandPlugins, 1)
		pl := inv.CommandPlugins[0]
		switch aws.ToString(inv.InstanceId) {
		case linux:
			assert.Equal(t, types.CommandInvocationStatusSuccess, inv.Status)
			assert.Equal(t, "runShellScript", aws.ToString(pl.Name), "the step that runs on Linux")
			assert.EqualValues(t, 0, pl.ResponseCode)
		case windows:
			assert.Equal(t, types.CommandInvocationStatusFailed, inv.Status, "no InvalidPlatform: the document runs on Windows")
			assert.Equal(t, "runPowerShellScript", aws.ToString(pl.Name))
			assert.EqualValues(t, 4, pl.ResponseCode, "the fleet's outcome for the command's name")
			assert.Contains(t, aws.ToString(pl.Output), "still serving")
		}
	}
	for _, id := range []string{linux, windows} {
		run, ok := f.LastCommand(id)
		require.True(t, ok)
		assert.Equal(t, cloudsim.CommandRun{Name: "drain web", Script: "document Acme-Drain", ExitCode: run.ExitCode, At: run.At, Ended: run.Ended}, run)
		assert.False(t, run.Ended.IsZero(), "the wall-clock end is recorded")
	}

	_, err = c.SendCommand(t.Context(), &ssm.SendCommandInput{DocumentName: aws.String("Acme-Missing"), InstanceIds: []string{linux}})
	var ae smithy.APIError
	require.True(t, errors.As(err, &ae), "%v", err)
	assert.Equal(t, "InvalidDocument", ae.ErrorCode())
	calls := front.Calls()
	assert.Equal(t, params, calls[0].Parameters, "the call log keeps the parameters")
	assert.Equal(t, "Acme-Drain", calls[0].Operation)
	assert.Equal(t, "InvalidDocument", calls[len(calls)-1].Error)
}
