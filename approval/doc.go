// Package approval holds fleetpatch's signed approvals: the canonical
// statement an approver signs, the OpenSSH allowed_signers lines that name
// the approvers' keys, and the verification of an SSHSIG signature
// (`ssh-keygen -Y sign -n fleetpatch-approval`) over a statement.
//
// Everything here is pure computation over its inputs (no clock, no I/O),
// so workflow code may call it: verification is deterministic because the
// keys come from the cycle's recorded policy snapshot and the time from
// workflow.Now. The signature formats are implemented by maintained
// libraries (golang.org/x/crypto/ssh for keys and signature algorithms,
// github.com/hiddeco/sshsig for the SSHSIG envelope); this package only
// parses text and compares fields.
package approval
