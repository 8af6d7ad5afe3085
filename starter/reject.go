package main

import (
	"io"

	"github.com/fleetpatch/fleetpatch/approval"
)

func init() {
	register(command{Name: "reject",
		Usage:   "--group G --cycle ID [--retry N] --approver P --key FILE --reason TEXT [--expires 72h] [--print] | --statement FILE --signature FILE",
		Summary: "sign and send a rejection of a cycle's manifest; the cycle ends without installing", Run: runReject})
}

func runReject(args []string, stdout, stderr io.Writer) int {
	return runDecision("reject", approval.Reject, args, stdout, stderr)
}
