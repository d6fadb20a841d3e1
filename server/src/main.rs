//! `creditdesk`: the server binary and its administrative subcommands.
//!
//! Every failure is reported as one line on stderr with a non-zero exit status; no
//! panic traces for bad configuration or input.
use app::api::Clock;
use app::domain::auth::{NewPassword, Role, Username};
use app::domain::sessions::SessionPolicy;
use app::store::{NewUser, Store};
use clap::{Args, Parser, Subcommand};
use server::config::{self, ServeConfig, DEFAULT_BIND, DEFAULT_DATABASE_URL};
use server::store::DatabaseUrl;
use server::vault::{KeySource, MasterKey};
use server::{seed, web, SystemClock};
use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "creditdesk",
    version,
    about = "CreditDesk: credit control and receivables for dealers and distributors"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// sqlite://PATH (default) or postgres://USER:PASS@HOST/DB
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    database_url: String,
    /// The master key's file, used when CREDITDESK_MASTER_KEY (base64, 32 bytes) is unset;
    /// created with mode 0600 at first start.
    #[arg(long, env = "CREDITDESK_MASTER_KEY_FILE", default_value = config::DEFAULT_MASTER_KEY_FILE)]
    master_key_file: std::path::PathBuf,
}

impl Db {
    /// The master key (environment first, then the file, created if missing).
    fn master_key(&self) -> Result<(MasterKey, KeySource), String> {
        let env = std::env::var("CREDITDESK_MASTER_KEY").ok();
        MasterKey::load(env.as_deref(), &self.master_key_file)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the API (migrates first).
    Serve {
        #[arg(long, env = "CREDITDESK_BIND", default_value = DEFAULT_BIND)]
        bind: String,
        #[command(flatten)]
        db: Db,
        /// Where the compiled client lives (cargo-leptos's site root).
        #[arg(long, env = "CREDITDESK_SITE_ROOT", default_value = "target/site")]
        site_root: String,
        /// Mark session cookies Secure (set when served over HTTPS).
        #[arg(long, env = "CREDITDESK_SECURE_COOKIES", default_value = "false")]
        secure_cookies: String,
        /// Extra origins allowed to POST, comma-separated (e.g. https://credit.example.cn).
        #[arg(long, env = "CREDITDESK_ALLOWED_ORIGINS", default_value = "")]
        allowed_origins: String,
        /// Extra host names the server answers to, comma-separated.
        #[arg(long, env = "CREDITDESK_ALLOWED_HOSTS", default_value = "")]
        allowed_hosts: String,
        /// Minutes without a request after which a session ends (at most 720).
        #[arg(long, env = "CREDITDESK_SESSION_IDLE_MINUTES", default_value_t = app::domain::sessions::DEFAULT_IDLE_MINUTES)]
        session_idle_minutes: i64,
        /// Load the demo data set when the database has no customers yet.
        #[arg(long)]
        seed_demo_if_empty: bool,
        /// Seconds between evaluations of the portfolio alerts (0 turns the tick off;
        /// saving the rules still evaluates them at once).
        #[arg(long, env = "CREDITDESK_ALERT_INTERVAL_SECS", default_value_t = 300)]
        alert_interval_secs: u64,
        /// Seconds between runs of the approval SLA timers (reminders and escalations;
        /// 0 turns them off).
        #[arg(long, env = "CREDITDESK_SLA_INTERVAL_SECS", default_value_t = 60)]
        sla_interval_secs: u64,
        /// Seconds between checks for the monthly credit rescoring (it runs once per
        /// business month; 0 turns it off).
        #[arg(long, env = "CREDITDESK_SCORING_INTERVAL_SECS", default_value_t = 3600)]
        scoring_interval_secs: u64,
        /// Seconds between checks for due daily collection rules (each rule runs once
        /// per business date at its time; missed days are caught up; 0 turns it off).
        #[arg(long, env = "CREDITDESK_RULES_INTERVAL_SECS", default_value_t = 60)]
        rules_interval_secs: u64,
        /// Seconds between outbox deliveries (emails and webhooks; 0 turns it off).
        #[arg(long, env = "CREDITDESK_OUTBOX_INTERVAL_SECS", default_value_t = 15)]
        outbox_interval_secs: u64,
        /// Seconds between drains of recorded domain events into the event rules (0 turns it off).
        #[arg(long, env = "CREDITDESK_EVENTS_INTERVAL_SECS", default_value_t = 5)]
        events_interval_secs: u64,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Load the demo data set (8 users, 200 customers, 5,000 invoices) into an empty database.
    SeedDemo {
        #[command(flatten)]
        db: Db,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Generate a large data set for benchmarks into an empty database.
    Generate {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        customers: usize,
        #[arg(long)]
        invoices: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Percent of invoices left wholly unpaid on top of the payers' habits.
        #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
        unpaid_percent: u8,
        /// The data set's "today" (YYYY-MM-DD): invoices span the 18 months before it. Default: today.
        #[arg(long)]
        anchor: Option<chrono::NaiveDate>,
    },
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API keys for ERP/CRM systems.
    ApiKey {
        #[command(subcommand)]
        command: ApiKeyCommand,
    },
    /// Import customers, invoices or payments from a .csv or .xlsx file, all or nothing.
    Import {
        #[command(flatten)]
        db: Db,
        /// customers, invoices or payments
        kind: String,
        file: std::path::PathBuf,
    },
    /// Write an empty import template (.csv or .xlsx, by the file's extension).
    Template {
        /// customers, invoices or payments
        kind: String,
        file: std::path::PathBuf,
    },
    /// Audit trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Master key tools.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Generate a new master key and move the database to it, in one transaction.
    Rotate {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the MAC chain and report the first broken row (non-zero exit).
    Verify {
        #[command(flatten)]
        db: Db,
        /// A file `audit checkpoint` wrote: also fail if the trail was cut after it.
        #[arg(long)]
        checkpoint: Option<std::path::PathBuf>,
    },
    /// Print the trail's head (id and MAC) as a JSON line, to keep off this machine.
    Checkpoint {
        #[command(flatten)]
        db: Db,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        username: String,
        /// admin, executive, finance, credit_manager, sales_manager or sales_rep
        #[arg(long)]
        role: String,
        /// Shown in the UI (defaults to the username).
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum ApiKeyCommand {
    /// Create a key and print its secret once.
    Create {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
        /// Comma-separated: read, ledger:write, credit:write, pii:read, admin.
        #[arg(long, default_value = app::domain::api_keys::LEGACY_SCOPES)]
        scope: String,
        /// Adds the admin scope (POST /api/v1/rule-runs).
        #[arg(long)]
        admin: bool,
        /// The key stops working after this many days (default: never).
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// Requests per minute before 429 (default 6000).
        #[arg(long)]
        rate_per_minute: Option<u32>,
    },
    /// List keys with their scopes, state and last use.
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Revoke a key: it gets 401 from then on.
    Revoke {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        name: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CREDITDESK_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("creditdesk: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("creditdesk: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn open(db: &Db) -> Result<Arc<dyn Store>, String> {
    let (key, source) = db.master_key()?;
    if let KeySource::Created(_) = source {
        eprintln!("creditdesk: master key: {source}");
    }
    server::store::connect(&DatabaseUrl::parse(&db.database_url)?, &key).await
}

async fn run(command: Command) -> Result<(), String> {
    let clock = SystemClock;
    match command {
        Command::Serve {
            bind,
            db,
            site_root,
            secure_cookies,
            allowed_origins,
            allowed_hosts,
            session_idle_minutes,
            seed_demo_if_empty,
            alert_interval_secs,
            sla_interval_secs,
            scoring_interval_secs,
            rules_interval_secs,
            outbox_interval_secs,
            events_interval_secs,
        } => {
            let cfg = ServeConfig {
                bind: config::parse_bind(&bind)?,
                database: DatabaseUrl::parse(&db.database_url)?,
                site_root,
                secure_cookies: config::parse_bool("CREDITDESK_SECURE_COOKIES", &secure_cookies)?,
                allowed_origins: config::parse_list(&allowed_origins),
                allowed_hosts: config::parse_list(&allowed_hosts),
                session_policy: SessionPolicy::with_idle_minutes(session_idle_minutes)
                    .map_err(|e| format!("CREDITDESK_SESSION_IDLE_MINUTES: {e}"))?,
            };
            let (key, source) = db.master_key()?;
            eprintln!("creditdesk: master key: {source}");
            let store = server::store::connect(&cfg.database, &key).await?;
            if seed_demo_if_empty && store.count_customers().await.map_err(|e| e.to_string())? == 0
            {
                eprintln!("creditdesk: empty database, loading the demo data set…");
                seed_demo(store.as_ref(), 42, &clock).await?;
            }
            if store
                .list_users()
                .await
                .map_err(|e| e.to_string())?
                .is_empty()
            {
                eprintln!(
                    "creditdesk: no users yet. Create the first administrator (password on stdin, \
                     12+ characters):\n  creditdesk user create --database-url URL --username NAME --role admin"
                );
            }
            let installed = store
                .install_default_rules(
                    &app::domain::rules::default_rules(),
                    app::domain::business_date(clock.now()),
                    clock.now(),
                )
                .await
                .map_err(|e| e.to_string())?;
            if installed > 0 {
                eprintln!("creditdesk: installed the {installed} default collection rules");
            }
            let listener = tokio::net::TcpListener::bind(cfg.bind)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", cfg.bind))?;
            let addr = listener.local_addr().map_err(|e| e.to_string())?;
            let state = web::AppState::new(&cfg, store, Arc::new(SystemClock));
            let schedule = server::jobs::Schedule {
                alerts: std::time::Duration::from_secs(alert_interval_secs),
                sla: std::time::Duration::from_secs(sla_interval_secs),
                scoring: std::time::Duration::from_secs(scoring_interval_secs),
                rules: std::time::Duration::from_secs(rules_interval_secs),
                outbox: std::time::Duration::from_secs(outbox_interval_secs),
                events: std::time::Duration::from_secs(events_interval_secs),
                sessions: cfg.session_policy,
            };
            server::jobs::start(state.store.clone(), state.clock.clone(), schedule);
            eprintln!("creditdesk: serving on http://{addr}");
            web::serve(listener, state)
                .await
                .map_err(|e| format!("server error: {e}"))
        }
        Command::Migrate { db } => {
            open(&db).await?;
            eprintln!("creditdesk: database is up to date");
            Ok(())
        }
        Command::SeedDemo { db, seed } => seed_demo(open(&db).await?.as_ref(), seed, &clock).await,
        Command::Generate {
            db,
            customers,
            invoices,
            seed,
            unpaid_percent,
            anchor,
        } => {
            let store = open(&db).await?;
            let anchor = anchor.unwrap_or_else(|| app::domain::business_date(clock.now()));
            let params = seed::GenerateParams {
                customers,
                invoices,
                seed,
                anchor,
                unpaid_percent,
            };
            let started = std::time::Instant::now();
            let made = seed::generate(store.as_ref(), params, clock.now(), &mut |m| {
                eprintln!("creditdesk: {m}")
            })
            .await?;
            eprintln!(
                "creditdesk: generated {made:?} in {:.1}s",
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    db,
                    username,
                    role,
                    display_name,
                },
        } => {
            let username = Username::parse(&username).map_err(|e| format!("--username: {e}"))?;
            let role = Role::parse(&role).map_err(|e| format!("--role: {e}"))?;
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|e| format!("reading the password from stdin: {e}"))?;
            let password = NewPassword::parse(input.trim_end_matches(['\r', '\n']))
                .map_err(|e| format!("stdin: {e}"))?;
            let store = open(&db).await?;
            let password_hash = app::session::hash_password(password.expose())?;
            let user = NewUser {
                display_name: display_name.unwrap_or_else(|| username.as_str().to_string()),
                username: username.as_str().to_string(),
                role,
                password_hash,
            };
            let id = app::admin::create_user(store.as_ref(), user, None, "cli", clock.now())
                .await
                .map_err(|e| e.to_string())?;
            eprintln!(
                "creditdesk: created user {} (id {id}, role {})",
                username.as_str(),
                role.as_str()
            );
            Ok(())
        }
        Command::Import { db, kind, file } => {
            let kind = server::import::Kind::parse(&kind)?;
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let store = open(&db).await?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let started = std::time::Instant::now();
            match server::import::import(store.as_ref(), kind, &name, &bytes, "cli", clock.now())
                .await
            {
                Ok(n) => {
                    eprintln!(
                        "creditdesk: imported {n} rows from {} in {:.1}s",
                        file.display(),
                        started.elapsed().as_secs_f64()
                    );
                    Ok(())
                }
                Err(server::import::ImportError::Report(errors)) => {
                    // The report goes to stdout (one line per problem) so it can be saved.
                    println!("row\tcolumn\tmessage");
                    for e in &errors {
                        println!("{}\t{}\t{}", e.row, e.column, e.message);
                    }
                    Err(format!(
                        "{}: {} problem(s); nothing was imported",
                        file.display(),
                        errors.len()
                    ))
                }
                Err(e) => Err(e.to_string()),
            }
        }
        Command::Template { kind, file } => {
            let kind = server::import::Kind::parse(&kind)?;
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let bytes = server::import::template(kind, &name)?;
            std::fs::write(&file, bytes).map_err(|e| format!("{}: {e}", file.display()))?;
            eprintln!("creditdesk: wrote {}", file.display());
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { db, checkpoint },
        } => {
            use server::audit_tools;
            let checkpoint = checkpoint
                .as_deref()
                .map(audit_tools::read_checkpoint)
                .transpose()?;
            let store = open(&db).await?;
            let summary = audit_tools::verify(store.as_ref(), checkpoint.as_ref()).await?;
            eprintln!("creditdesk: {summary}");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Checkpoint { db },
        } => {
            let store = open(&db).await?;
            println!(
                "{}",
                server::audit_tools::checkpoint(store.as_ref(), clock.now()).await?
            );
            Ok(())
        }
        Command::ApiKey { command } => api_key(command, &clock).await,
        Command::Keys {
            command: KeysCommand::Rotate { db },
        } => rotate_keys(&db).await,
    }
}

async fn rotate_keys(db: &Db) -> Result<(), String> {
    use server::vault::rotate::{rotate, Rotated};
    let url = DatabaseUrl::parse(&db.database_url)?;
    let env = std::env::var("CREDITDESK_MASTER_KEY").ok();
    match rotate(&url, env.as_deref(), &db.master_key_file).await? {
        Rotated::File { path, rows } => eprintln!(
            "creditdesk: master key rotated ({rows} audit rows re-keyed); the new key is in {}",
            path.display()
        ),
        Rotated::Printed { key, rows } => {
            eprintln!(
                "creditdesk: master key rotated ({rows} audit rows re-keyed); set CREDITDESK_MASTER_KEY \
                 to this new key, shown only this once:"
            );
            println!("{}", key.as_str());
        }
    }
    Ok(())
}

async fn api_key(command: ApiKeyCommand, clock: &dyn Clock) -> Result<(), String> {
    use server::api_keys;
    match command {
        ApiKeyCommand::Create {
            db,
            name,
            scope,
            admin,
            expires_in_days,
            rate_per_minute,
        } => {
            let request = api_keys::KeyRequest {
                name: &name,
                scopes: &scope,
                admin,
                expires_in_days,
                rate_per_minute,
            };
            let secret = api_keys::create(open(&db).await?.as_ref(), request, clock.now()).await?;
            eprintln!(
                "creditdesk: API key '{}' created; it is shown only this once:",
                name.trim()
            );
            println!("{secret}");
        }
        ApiKeyCommand::List { db } => {
            print!(
                "{}",
                api_keys::list(open(&db).await?.as_ref(), clock.now()).await?
            );
        }
        ApiKeyCommand::Revoke { db, name } => {
            api_keys::revoke(open(&db).await?.as_ref(), &name, clock.now()).await?;
            eprintln!("creditdesk: API key '{name}' revoked");
        }
    }
    Ok(())
}

async fn seed_demo(store: &dyn Store, seed_value: u64, clock: &dyn Clock) -> Result<(), String> {
    let made = seed::demo(store, seed_value, clock.now(), &mut |m| {
        eprintln!("creditdesk: seeding {m}")
    })
    .await?;
    eprintln!(
        "creditdesk: demo data loaded: {} customers, {} invoices, {} payments; users (password '{}'):",
        made.customers,
        made.invoices,
        made.payments,
        seed::DEMO_PASSWORD
    );
    for (username, name, role) in seed::DEMO_USERS {
        eprintln!("  {username:<12} {name}  {}", role.as_str());
    }
    Ok(())
}
