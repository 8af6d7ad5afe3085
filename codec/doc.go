// Package codec encrypts every Temporal payload fleetpatch writes (workflow
// inputs and results, activity arguments, signals, updates, queries, memos,
// and failure messages and stack traces) with AES-256-GCM from the Go
// standard library, under keys named by ID.
//
// Keys come from a key file or an environment variable (Keyring). The last
// key listed encrypts new payloads; every listed key decrypts, so a key is
// rotated by appending a new one and removed only after the histories
// encrypted with it have aged out of retention. A payload names its key ID
// in its metadata and is sealed with that ID as additional data, so a
// payload cannot be moved to another key's slot unnoticed.
//
// The worker, the CLI and the dev stack use the codec directly (Apply);
// the Web UI and the Temporal CLI reach it through the codec server
// (Handler, `starter codec-server`).
package codec
