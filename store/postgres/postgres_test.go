package postgres_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/syncctl/syncctl/domain"
	"github.com/syncctl/syncctl/store"
	"github.com/syncctl/syncctl/store/postgres"
	"github.com/syncctl/syncctl/store/postgres/pgtest"
	"github.com/syncctl/syncctl/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func open(t *testing.T) store.Store {
	db, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestSuite(t *testing.T) { storetest.Run(t, open) }

func TestReopenKeepsDataAndMigratesOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if spus, skus, err := db.CatalogStats(ctx); err != nil || spus != 1 || skus != 2 {
		t.Fatalf("after reopen: %d/%d %v", spus, skus, err)
	}
}

// Workers starting together on a new database migrate it once.
func TestConcurrentOpensMigrateOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), dsn)
			if err == nil {
				db.Close()
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
	}
}

// Open creates the database the DSN names when the role may.
func TestOpenCreatesTheDatabase(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	fresh := strings.Replace(dsn, "/"+cfg.Database+"?", "/"+cfg.Database+"_new?", 1)
	if _, err := postgres.OpenReadOnly(context.Background(), fresh); !errors.Is(err, store.ErrNoStore) {
		t.Fatalf("read-only open of a missing database = %v, want ErrNoStore", err)
	}
	db, err := postgres.Open(context.Background(), fresh)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		if conn, err := pgx.Connect(context.Background(), dsn); err == nil {
			_, _ = conn.Exec(context.Background(), `DROP DATABASE IF EXISTS `+pgx.Identifier{cfg.Database + "_new"}.Sanitize()+` WITH (FORCE)`)
			conn.Close(context.Background())
		}
	})
	if v, err := db.SchemaVersion(context.Background()); err != nil || v < 17 {
		t.Fatalf("schema of the created database = %d, %v", v, err)
	}
}

// A read-only open reads, refuses writes, and never creates nor migrates.
func TestOpenReadOnly(t *testing.T) {
	dsn := pgtest.DSN(t)
	ctx := context.Background()
	if _, err := postgres.OpenReadOnly(ctx, dsn); !errors.Is(err, store.ErrNoStore) {
		t.Fatalf("read-only open of an empty database = %v, want ErrNoStore", err)
	}
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportProducts(ctx, []domain.Product{storetest.Product("A", 2)}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := postgres.OpenReadOnly(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if p, err := ro.GetProduct(ctx, "A"); err != nil || len(p.SKUs) != 2 {
		t.Fatalf("read-only GetProduct = %+v, %v", p, err)
	}
	_, err = ro.ImportProducts(ctx, []domain.Product{storetest.Product("B", 1)})
	if err == nil || !strings.Contains(err.Error(), "reading only") {
		t.Fatalf("a write on a read-only store = %v, want it refused", err)
	}
	if err := ro.SaveBan(ctx, domain.ShopRef{Channel: "tmall", Shop: "x"}, storetest.Order("1", domain.OrderPaid).CreatedAt); err == nil {
		t.Fatal("SaveBan on a read-only store succeeded")
	}

	// A schema older than this syncctl's is refused, not upgraded.
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `DELETE FROM schema_migrations WHERE version = (SELECT MAX(version) FROM schema_migrations)`); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.OpenReadOnly(ctx, dsn); !errors.Is(err, store.ErrSchemaOutdated) {
		t.Fatalf("read-only open of an older schema = %v, want ErrSchemaOutdated", err)
	}
}

// Errors name the store without the DSN's password.
func TestErrorsHideThePassword(t *testing.T) {
	dsn := pgtest.DSN(t)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	// A role that does not exist, with a password, on the test server.
	bad := strings.Replace(dsn, "://"+cfg.User+"@", "://nobody_here:s3cret-pw@", 1)
	_, err = postgres.Open(context.Background(), bad)
	if err == nil {
		t.Fatal("open as an unknown role succeeded")
	}
	if strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("the error shows the password: %v", err)
	}
	_, err = postgres.Open(context.Background(), "postgres://u:s3cret-pw@[::1:bad/x")
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Fatalf("a DSN that does not parse: %v", err)
	}
}

// The delivery ids of both backends are one function: a store copied from
// SQLite keeps delivering under the ids the ERP knows.
func TestDeliveryIDsMatchSQLite(t *testing.T) {
	db := open(t)
	o := storetest.Order("9000", domain.OrderPaid)
	c, err := db.UpsertOrder(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if want := store.DeliveryID(o.Shop, o.PlatformOrderID, c.Revision); c.DeliveryID != want {
		t.Fatalf("delivery id %s, want %s", c.DeliveryID, want)
	}
}

// Two DSNs of one database name one store, whatever their spelling and
// password; another database is another store.
func TestIdentity(t *testing.T) {
	a := store.Identity("postgres", "postgres://syncctl:one@db.internal:5432/syncctl?sslmode=require")
	b := store.Identity("postgres", "host=db.internal port=5432 user=other password=two dbname=syncctl")
	c := store.Identity("postgres", "postgres://syncctl@db.internal:5432/other")
	if a != b || a == c || strings.Contains(a+b, "one") || strings.Contains(a+b, "two") {
		t.Fatalf("identities %q, %q, %q", a, b, c)
	}
}
