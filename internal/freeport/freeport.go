// Package freeport finds blocks of free local TCP ports, for tests and
// tools that start servers (the embedded Temporal server takes a block).
package freeport

import (
	"errors"
	"math/rand/v2"
	"net"
	"strconv"
)

// Block returns a port p such that p, p+1, ... p+n-1 are free on
// 127.0.0.1 at the moment.
func Block(n int) (int, error) {
	free := func(p int) bool {
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			return false
		}
		return ln.Close() == nil
	}
	for range 200 {
		// Below Linux's ephemeral range (32768 and up), where outgoing
		// connections take their ports and could take one of ours between
		// this check and the server's listen.
		base := 20000 + rand.IntN(32768-20000-n)
		ok := true
		for p := base; ok && p < base+n; p++ {
			ok = free(p)
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no free block of local ports")
}
