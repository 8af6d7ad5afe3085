package devserver

import (
	"context"
	"crypto/tls"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// workflowServiceName is the gRPC health service the frontend reports
// SERVING once it accepts workflow calls.
const workflowServiceName = "temporal.api.workflowservice.v1.WorkflowService"

// waitFrontend polls the frontend's gRPC health service until the workflow
// service is SERVING or ctx ends. Unlike dialing with the SDK, the health
// check does not make the not-yet-ready frontend log errors.
// tlsCfg nil dials in plaintext.
func waitFrontend(ctx context.Context, hostPort string, tlsCfg *tls.Config) error {
	creds := insecure.NewCredentials()
	if tlsCfg != nil {
		creds = credentials.NewTLS(tlsCfg)
	}
	conn, err := grpc.NewClient(hostPort, grpc.WithTransportCredentials(creds))
	if err != nil {
		return fmt.Errorf("devserver: frontend %s: %w", hostPort, err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	var last error
	for {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: workflowServiceName})
		if err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("status %s", resp.GetStatus())
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("devserver: frontend %s not ready: %w (last: %v)", hostPort, ctx.Err(), last)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
