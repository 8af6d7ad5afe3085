// Package aws is the fleet.Provider over AWS Systems Manager, with
// aws-sdk-go-v2: the worker drives the managed nodes (EC2 instances and
// hybrid mi- nodes) of many accounts and regions through SSM Run Command
// and the AWS-RunPatchBaseline document, as AWS Patch Manager does, but
// with one frozen patch set per cycle and version-level results.
//
// Credentials: the default chain (environment, shared config, web
// identity, instance role) gives the worker's own identity; for each target
// account the provider assumes the account's role (policy.AWSAccount
// RoleARN, with its ExternalID), cached and refreshed by
// aws.NewCredentialsCache. One SSM client per account and region is made
// on first use, with the SDK's adaptive retryer and a token-bucket rate
// limit per account and region that every HTTP attempt waits on.
//
// The calls, per fleet.Provider method:
//
//   - Discover: DescribeInstanceInformation (paginated, filter tag:<key>)
//     in every target account and region.
//   - Scan: SendCommand AWS-RunPatchBaseline Operation=Scan per account and
//     region of the batch (at most 50 IDs), with the group's baselines as
//     BaselineOverride (a JSON list uploaded to S3) when they are known
//     (see WithBaselines and Config.Baselines); ListCommandInvocations
//     (Details) until every invocation ended; DescribeInstancePatches,
//     DescribeInstancePatchStates, DescribeAvailablePatches (the patch
//     definitions, cached) and ListInventoryEntries (AWS:Application, the
//     installed versions).
//   - Install: the batch's approved patches as an InstallOverrideList YAML
//     in S3, SendCommand Operation=Install with it, a SnapshotId derived
//     from the cycle ID and the RebootOption; versions from
//     ListInventoryEntries before and after; states from
//     DescribeInstancePatches.
//   - Scan and Install first list the recent AWS-RunPatchBaseline commands
//     (ListCommands) and resume the call's own (matched by Comment,
//     Operation, SnapshotId and instance IDs) instead of sending a second
//     one when the call is a retry (see once.go and WithCallKey).
//   - WaitReady: DescribeInstanceInformation until PingStatus is Online.
//   - Inventory: ListInventoryEntries.
//
// The install window (see Install): no command is sent after the
// request's LastStart, and the one sent before carries a TimeoutSeconds
// (SSM's delivery timeout) that ends at it; the wait ends at the request's
// Deadline, where a command still running is cancelled (CancelCommand).
//
// Errors: AWS codes no retry can fix (denials such as AccessDenied,
// AccessDeniedException and UnauthorizedOperation, InvalidDocument,
// invalid parameters; see permanentCodes), and an AssumeRole refused for
// an install, scan or other batch call, fail the call with an error
// wrapping fleet.ErrPermanent that names the account, the region and the
// denied action; Discover reports such an account unreachable instead.
// Throttling that outlasts the SDK's retries wraps fleet.ErrThrottled.
//
// Endpoints can be overridden per service (Config.Endpoints), with S3
// path-style URLs, so the same code talks to the local emulator in
// cloudsim/awsfront. Results never carry credentials.
package aws
