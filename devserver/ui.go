package devserver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/temporalio/ui-server/v2/server/api"
	"github.com/temporalio/ui-server/v2/server/auth"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/cors"
	"github.com/temporalio/ui-server/v2/server/csrf"
	"github.com/temporalio/ui-server/v2/server/headers"
	"github.com/temporalio/ui-server/v2/server/route"
	"github.com/temporalio/ui-server/v2/ui"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/grpc"
)

// uiServer is the Temporal Web UI served in-process.
//
// It is assembled from the ui-server's exported pieces, mirroring
// uiserver.NewServer (ui-server v2.54.1), instead of using uiserver.Server
// directly, because that type (a) binds its port inside Start and calls
// os.Exit through echo's Logger.Fatal when the bind fails, and (b) never
// closes the gRPC connection it dials to the frontend. Here we bind the
// listener ourselves (so a taken port is an ordinary error) and own the
// connection (so Stop releases everything).
type uiServer struct {
	http *http.Server
	ln   net.Listener
	conn *grpc.ClientConn
	cfg  *uiconfig.ConfigProviderWithRefresh
	done chan struct{}
	url  string
}

// startUI binds ip:port (port 0 = any free port) and serves the UI, proxying
// API calls to the frontend at frontendHostPort.
func startUI(ip string, port int, frontendHostPort, namespace string) (*uiServer, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("devserver: UI port %s is not available (already in use?): %w",
			net.JoinHostPort(ip, strconv.Itoa(port)), err)
	}
	actual := ln.Addr().(*net.TCPAddr).Port
	url := "http://" + net.JoinHostPort(ip, strconv.Itoa(actual))

	cfg := &uiconfig.Config{
		TemporalGRPCAddress: frontendHostPort,
		Host:                ip,
		Port:                actual,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		// Local, plain-HTTP use: no auth, cookies without the Secure flag
		// (browsers drop Secure cookies on http://), and the UI's own origins
		// allowed for CORS (localhost and the IP are different origins).
		Auth: uiconfig.Auth{Enabled: false},
		CORS: uiconfig.CORS{
			CookieInsecure: true,
			AllowOrigins: []string{
				url,
				"http://localhost:" + strconv.Itoa(actual),
			},
		},
		DisableNewsFetch: true, // works offline, no calls to temporal.io
		HideLogs:         true, // no echo banner / per-request access log on stdout
		// RefreshInterval 0: no config-refresh goroutine.
	}
	provider, err := uiconfig.NewConfigProviderWithRefresh(cfg)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("devserver: UI config: %w", err)
	}
	conn, err := api.CreateGRPCConnection(provider)
	if err != nil || conn == nil {
		ln.Close()
		if err == nil {
			err = errors.New("could not create gRPC connection")
		}
		return nil, fmt.Errorf("devserver: UI connection to frontend %s: %w", frontendHostPort, err)
	}
	e, err := newUIEcho(provider, conn)
	if err != nil {
		conn.Close()
		ln.Close()
		return nil, err
	}

	s := &uiServer{
		http: &http.Server{Handler: e, ReadHeaderTimeout: 30 * time.Second},
		ln:   ln,
		conn: conn,
		cfg:  provider,
		done: make(chan struct{}),
		url:  url,
	}
	go func() {
		defer close(s.done)
		_ = s.http.Serve(ln) // returns http.ErrServerClosed after Shutdown/Close
	}()
	return s, nil
}

// newUIEcho builds the echo instance the same way uiserver.NewServer does,
// minus the OIDC auth routes (auth is disabled for the local UI).
func newUIEcho(provider *uiconfig.ConfigProviderWithRefresh, conn *grpc.ClientConn) (*echo.Echo, error) {
	cfg, _ := provider.GetConfig()
	apiMiddleware := []api.Middleware{
		headers.WithForwardHeaders([]string{auth.AuthorizationExtrasHeader, "Caller-Type"}),
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.Use(middleware.Recover())
	e.Use(middleware.Gzip())
	e.Use(cors.CORSMiddleware(cors.CORSConfig{
		AllowHeaders: []string{
			echo.HeaderOrigin, echo.HeaderContentType, echo.HeaderAccept,
			echo.HeaderXCSRFToken, echo.HeaderAuthorization, auth.AuthorizationExtrasHeader,
			"Caller-Type",
		},
		AllowCredentials: true,
		ConfigProvider:   provider,
	}))
	e.Use(middleware.Secure())
	cookieSecure := !cfg.CORS.CookieInsecure
	e.Use(csrf.EnsureTokenCookie(cookieSecure))
	e.Use(middleware.CSRFWithConfig(csrf.MiddlewareConfig(provider, cookieSecure)))

	e.Pre(route.PublicPath(cfg.PublicPath))
	route.SetHealthRoute(e)

	// Equivalent of route.SetAPIRoutes, but with a connection we own.
	g := e.Group("/api/v1")
	g.GET("/settings", api.GetSettings(provider))
	writeControl := route.DisableWriteMiddleware(provider)
	g.GET(api.WorkflowRawHistoryUrl,
		api.WorkflowRawHistoryHandler(workflowservice.NewWorkflowServiceClient(conn)), writeControl)
	g.Match([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, "/*",
		api.TemporalAPIHandler(provider, apiMiddleware, conn), writeControl)

	assets, err := ui.Assets()
	if err != nil {
		return nil, fmt.Errorf("devserver: UI assets: %w", err)
	}
	if assets, err = fs.Sub(assets, "local"); err != nil {
		return nil, fmt.Errorf("devserver: UI assets: %w", err)
	}
	if err := route.SetUIRoutes(e, cfg.PublicPath, assets); err != nil {
		return nil, fmt.Errorf("devserver: UI routes: %w", err)
	}
	route.SetRenderRoute(e, cfg.PublicPath)
	return e, nil
}

// stop shuts the HTTP server down (closing the listener) and the gRPC conn.
func (s *uiServer) stop(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, s.http.Close())
	}
	<-s.done
	s.cfg.Close()
	if cerr := s.conn.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}
