// Package awsfront is the HTTP front of the simulated fleet that speaks the
// AWS protocols fleetpatch's AWS provider uses, so that the real
// aws-sdk-go-v2 clients (and the AWS CLI) can be pointed at it with an
// endpoint override: the LocalStack of this project, for exactly the API
// subset providers/aws calls.
//
//   - Systems Manager over awsJson1_1 (X-Amz-Target: AmazonSSM.<Operation>,
//     Content-Type: application/x-amz-json-1.1, errors as {"__type", "message"}):
//     DescribeInstanceInformation, SendCommand (AWS-RunPatchBaseline,
//     AWS-RunShellScript and AWS-RunPowerShellScript, and the customer
//     documents of Options.Documents, which run on every platform),
//     ListCommands, ListCommandInvocations, CancelCommand, DescribeInstancePatches,
//     DescribeInstancePatchStates, DescribeAvailablePatches and
//     ListInventoryEntries (AWS:Application).
//   - EC2 over the query protocol (form-encoded Action, XML response and
//     EC2's XML errors): DescribeInstances (state and instance profile from
//     the fleet's drift), DescribeVolumes (each instance's disks as attached
//     gp3 volumes), CreateSnapshots (with TagSpecifications),
//     DescribeSnapshots and DeleteSnapshot, over the fleet's snapshot store.
//   - STS AssumeRole over the query protocol (form-encoded request, XML
//     response and XML errors).
//   - S3 PutObject, GetObject and HeadObject on path-style URLs, in memory.
//
// Every SSM and EC2 call is for one account and one region: the region comes from
// the SigV4 credential scope and the account from the access key, which
// AssumeRole issues as "ASIA" + the 12-digit account ID + 4 characters
// (other keys belong to Options.HomeAccount). Signatures are not verified.
// Instances of another account or region are refused as AWS refuses them.
//
// SendCommand runs the fleet operation in the background: invocations are
// InProgress until the *cloudsim.Fleet has finished, then Success, Failed or
// TimedOut per instance with the document's output. Results also become the
// instances' patch compliance (DescribeInstancePatches and
// DescribeInstancePatchStates), as on AWS after a Scan or Install.
//
// SendCommand's TimeoutSeconds (30 to 2,592,000) is the delivery timeout:
// an instance that is rebooting when the command arrives gets it when it
// is back, or, if that is after the timeout, never (DeliveryTimedOut).
// CancelCommand ends the unfinished invocations Cancelled; those that
// finished keep their outcome.
//
// Lists come in small pages (Options.PageSize) so that clients must follow
// NextToken; throttling can be injected (every Nth call, or a rate per
// account and region), and so can denials (DenyAssumeRole, DenyAction:
// AccessDenied as AWS answers it); every request is kept in a call log.
package awsfront
