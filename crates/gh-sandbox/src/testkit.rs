//! Test helpers: a running sandbox with an octocrab client on it, raw
//! requests, and following `Link` pages the way a careful client must
//! (relative paths, so octocrab keeps sending the token).

use http::header::HeaderMap;
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::server::Sandbox;

pub struct TestSandbox {
    pub sandbox: Sandbox,
    pub client: Octocrab,
}

/// An answer read in full.
pub struct Raw {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Raw {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }
}

pub fn client_for(url: &str, token: Option<&str>) -> Octocrab {
    let builder = Octocrab::builder()
        .base_uri(url)
        .expect("sandbox url is a uri");
    let builder = match token {
        Some(token) => builder.personal_token(token.to_string()),
        None => builder,
    };
    builder.build().expect("octocrab builds")
}

impl TestSandbox {
    pub fn new() -> Self {
        let sandbox = Sandbox::start();
        let client = client_for(sandbox.url(), Some("t"));
        Self { sandbox, client }
    }

    /// Sends a request and reads the whole answer; panics on a transport error.
    pub async fn raw(&self, method: &str, path: &str, body: Option<Value>) -> Raw {
        self.try_raw(method, path, body, HeaderMap::new())
            .await
            .expect("request reaches the sandbox")
    }

    pub async fn try_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: HeaderMap,
    ) -> octocrab::Result<Raw> {
        let c = &self.client;
        let response = match method {
            "GET" => c._get_with_headers(path, Some(headers)).await?,
            "POST" => c._post(path, body.as_ref()).await?,
            "PUT" => c._put(path, body.as_ref()).await?,
            "DELETE" => c._delete(path, body.as_ref()).await?,
            other => panic!("testkit has no method {other}"),
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = c.body_to_string(response).await?;
        Ok(Raw {
            status,
            headers,
            body,
        })
    }

    pub async fn status(&self, path: &str) -> u16 {
        self.raw("GET", path, None).await.status
    }

    pub async fn get_if_none_match(&self, path: &str, etag: &str) -> Raw {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::IF_NONE_MATCH,
            etag.parse().expect("etag is a header value"),
        );
        self.try_raw("GET", path, None, headers)
            .await
            .expect("request reaches the sandbox")
    }
}

/// Every item of a paginated list, following `rel="next"` as relative paths.
pub async fn all_pages<T: DeserializeOwned>(client: &Octocrab, first: &str) -> Vec<T> {
    let mut items = Vec::new();
    let mut next = Some(first.to_string());
    while let Some(path) = next.take() {
        let mut page: octocrab::Page<T> =
            client.get(&path, None::<&()>).await.expect("page decodes");
        items.append(&mut page.take_items());
        next = page
            .next
            .map(|uri| uri.path_and_query().expect("link has a path").to_string());
    }
    items
}

/// A bare repository (the sandbox's backing and the clone's `origin`) and a
/// clone to commit and push from, in a temporary directory.
pub struct GitFixture {
    _dir: tempfile::TempDir,
    pub bare: std::path::PathBuf,
    pub work: std::path::PathBuf,
}

impl GitFixture {
    /// A repository whose `main` holds one commit with `README.md`.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let bare = dir.path().join("origin.git");
        let work = dir.path().join("work");
        run_git(
            dir.path(),
            &["init", "-q", "--bare", "-b", "main", bare.to_str().unwrap()],
        );
        run_git(
            dir.path(),
            &[
                "clone",
                "-q",
                bare.to_str().unwrap(),
                work.to_str().unwrap(),
            ],
        );
        let fixture = Self {
            _dir: dir,
            bare,
            work,
        };
        fixture.git(&["checkout", "-q", "-B", "main"]);
        fixture.commit("README.md", "# widgets\n", "Initial commit");
        fixture.push("main");
        fixture
    }

    pub fn git(&self, args: &[&str]) -> String {
        run_git(&self.work, args)
    }

    /// Writes `path` and commits it on the current branch; returns the new head.
    pub fn commit(&self, path: &str, content: &str, message: &str) -> String {
        let file = self.work.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, content).unwrap();
        self.git(&["add", path]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    /// Starts `branch` from `from`.
    pub fn branch(&self, branch: &str, from: &str) {
        self.git(&["checkout", "-q", "-B", branch, from]);
    }

    pub fn push(&self, branch: &str) {
        self.git(&["push", "-q", "-f", "origin", &format!("{branch}:{branch}")]);
    }

    /// Runs git in the bare repository.
    pub fn bare_git(&self, args: &[&str]) -> String {
        let mut all = vec!["--git-dir", self.bare.to_str().unwrap()];
        all.extend_from_slice(args);
        run_git(&self.work, &all)
    }
}

fn run_git(dir: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}
