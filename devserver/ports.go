package devserver

import (
	"fmt"
	"net"
	"runtime"
	"strconv"
)

// freePort asks the OS for an unused TCP port on ip. On Linux it also leaves
// the port in TIME_WAIT so that the kernel does not hand the same ephemeral
// port to somebody else before the server binds it (explicitly binding a
// TIME_WAIT port still works because Go sets SO_REUSEADDR). Same technique as
// the Temporal CLI's dev server.
func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: finding a free port on %s: %w", ip, err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	if runtime.GOOS != "darwin" && runtime.GOOS != "windows" {
		c, err := net.Dial("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
		if err != nil {
			return 0, fmt.Errorf("devserver: finding a free port on %s: %w", ip, err)
		}
		sc, err := l.Accept()
		if err != nil {
			c.Close()
			return 0, fmt.Errorf("devserver: finding a free port on %s: %w", ip, err)
		}
		sc.Close() // server side closes first -> TIME_WAIT on this side
		c.Close()
	}
	return port, nil
}

// checkPortFree returns a descriptive error if ip:port cannot be bound.
func checkPortFree(what, ip string, port int) error {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("devserver: %s port %s is not available (already in use?): %w",
			what, net.JoinHostPort(ip, strconv.Itoa(port)), err)
	}
	return l.Close()
}
