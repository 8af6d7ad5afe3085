#!/usr/bin/env bash
# Checks the AWS emulator against an independent client, the AWS CLI:
# list managed nodes, send an AWS-RunPatchBaseline scan, wait for it, and
# describe an instance's patches. Needs Go and awscli (Debian: apt-get
# install -y awscli). Run from anywhere: cloudsim/awsfront/awscli-check.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

# Debian's awscli (/usr/bin/aws) unless AWS_CLI names another.
if [ ! -x /usr/bin/aws ] && [ -z "${AWS_CLI:-}" ]; then
  echo "awscli missing: installing the Debian package" >&2
  apt-get install -y awscli >/dev/null
fi
AWS_CLI=${AWS_CLI:-/usr/bin/aws}
aws() { "$AWS_CLI" "$@"; }
"$AWS_CLI" --version

PORT=${PORT:-4566}
ENDPOINT="http://127.0.0.1:${PORT}"
BIN=$(mktemp -d)/awsfront
go build -o "$BIN" ./cloudsim/awsfront/cmd/awsfront
"$BIN" --addr "127.0.0.1:${PORT}" --fleet 120 --speed 1000 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "$ENDPOINT" && break; sleep 0.1; done

export AWS_ACCESS_KEY_ID=AKIAFLEETPATCHCHECK1 AWS_SECRET_ACCESS_KEY=check AWS_DEFAULT_REGION=eu-west-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
ACCOUNT=111111111111

# Assume the target role (query protocol) and use its keys: they tell the
# emulator which account the calls are for.
read -r KEY SECRET TOKEN < <(aws --endpoint-url "$ENDPOINT" sts assume-role \
  --role-arn "arn:aws:iam::${ACCOUNT}:role/fleetpatch-target" --role-session-name awscli-check \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
export AWS_ACCESS_KEY_ID=$KEY AWS_SECRET_ACCESS_KEY=$SECRET AWS_SESSION_TOKEN=$TOKEN
echo "assumed role in ${ACCOUNT}: access key ${KEY}"

ssm() { aws --endpoint-url "$ENDPOINT" ssm "$@"; }

echo "== describe-instance-information (paginated by the CLI, tag:PatchGroup=prod-auto)"
ssm describe-instance-information --filters Key=tag:PatchGroup,Values=prod-auto \
  --query 'InstanceInformationList[].[InstanceId,PingStatus,PlatformName,PlatformVersion,ResourceType]' --output table
IDS=$(ssm describe-instance-information --filters Key=tag:PatchGroup,Values=prod-auto \
  --query 'InstanceInformationList[?PingStatus==`Online`].InstanceId' --output text | tr '\t\n' '  ' | cut -d' ' -f1-3)
[ -n "$IDS" ] || { echo "no instances listed" >&2; exit 1; }

echo "== send-command AWS-RunPatchBaseline Operation=Scan on: $IDS"
CMD=$(ssm send-command --document-name AWS-RunPatchBaseline --instance-ids $IDS \
  --parameters Operation=Scan,RebootOption=NoReboot --comment "awscli check" --query Command.CommandId --output text)
echo "command $CMD"
for _ in $(seq 100); do
  PENDING=$(ssm list-command-invocations --command-id "$CMD" --details \
    --query 'length(CommandInvocations[?Status==`InProgress` || Status==`Pending`])' --output text)
  TOTAL=$(ssm list-command-invocations --command-id "$CMD" --query 'length(CommandInvocations)' --output text)
  [ "$TOTAL" != "0" ] && [ "$PENDING" = "0" ] && break
  sleep 0.2
done
ssm list-command-invocations --command-id "$CMD" --details \
  --query 'CommandInvocations[].[InstanceId,Status,CommandPlugins[0].Name]' --output table

FIRST=${IDS%% *}
echo "== describe-instance-patches $FIRST (Missing)"
ssm describe-instance-patches --instance-id "$FIRST" --filters Key=State,Values=Missing \
  --query 'Patches[].[KBId,Title,Classification,Severity,State]' --output table
echo "== describe-instance-patch-states"
ssm describe-instance-patch-states --instance-ids $IDS \
  --query 'InstancePatchStates[].[InstanceId,Operation,MissingCount,InstalledPendingRebootCount]' --output table

echo "== errors are AWS-shaped: an unknown instance"
if ssm describe-instance-patches --instance-id i-0000000000000000 2>/tmp/awscli-err; then
  echo "expected an error" >&2; exit 1
fi
cat /tmp/awscli-err
grep -q InvalidInstanceId /tmp/awscli-err
echo "awscli check: OK"
