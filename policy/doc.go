// Package policy is fleetpatch's policy as code: baselines in the AWS
// PatchBaseline schema say WHAT may be installed per OS family, patch groups
// say WHERE (tag selectors) and HOW (mode, reboot, rollout, approval),
// maintenance windows say WHEN, and targets say which AWS accounts and Azure
// subscriptions to reach. Load reads one file or a folder of YAML/JSON files,
// validates everything at once and reports each error with file, line and
// field. Evaluate decides, for one patch, whether a baseline approves it and
// why.
package policy
