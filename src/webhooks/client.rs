//! The HTTP side of webhook delivery: which URLs may be called, and one signed POST
//! with a connect and a response timeout, reading at most a few KiB of the answer.
//!
//! Key decision (SSRF): a URL's host is checked when it is registered and again at
//! each delivery, after DNS: the client resolves through [`GuardedResolver`], which
//! refuses loopback, private, link-local and other non-public addresses, so a name
//! that later resolves inward is refused too; IP literals are checked before the
//! request. Redirects are not followed.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What deliveries may reach.
#[derive(Clone, Copy, Debug, Default)]
pub struct UrlPolicy {
    /// `http://` URLs too (`FIRSTMILE_WEBHOOK_ALLOW_HTTP`).
    pub allow_http: bool,
    /// Loopback, private and link-local addresses too (`FIRSTMILE_WEBHOOK_ALLOW_PRIVATE`).
    pub allow_private: bool,
}

/// Whether an address is one a webhook may not reach by default.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 0
                // 100.64.0.0/10, carrier-grade NAT.
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            let seg0 = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || (seg0 & 0xfe00) == 0xfc00 // unique local
                || (seg0 & 0xffc0) == 0xfe80 // link-local
                || v6.to_ipv4_mapped().is_some_and(|v4| is_internal(IpAddr::V4(v4)))
        }
    }
}

/// Why a URL is refused: a stable code and a sentence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlRefusal(pub &'static str, pub String);

/// Checks a URL: scheme, host, and every address it resolves to now.
pub async fn check_url(raw: &str, policy: UrlPolicy) -> Result<reqwest::Url, UrlRefusal> {
    let url = reqwest::Url::parse(raw)
        .map_err(|e| UrlRefusal("invalid_url", format!("not a URL: {e}")))?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_http => {}
        _ => {
            return Err(UrlRefusal(
                "url_not_https",
                "a webhook URL must be https".into(),
            ));
        }
    }
    let Some(host) = url.host_str() else {
        return Err(UrlRefusal("invalid_url", "the URL has no host".into()));
    };
    if policy.allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| UrlRefusal("url_unresolvable", format!("{host} does not resolve: {e}")))?
            .collect(),
    };
    if addrs.iter().any(|a| is_internal(a.ip())) {
        return Err(UrlRefusal(
            "url_not_public",
            format!("{host} is a loopback, private or link-local address"),
        ));
    }
    Ok(url)
}

/// A resolver that drops internal addresses (unless allowed), so a delivery never
/// connects to one whatever the name resolves to at that moment.
#[derive(Clone, Debug)]
struct GuardedResolver {
    allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| allow_private || !is_internal(a.ip()))
                .collect();
            if found.is_empty() {
                let err: Box<dyn std::error::Error + Send + Sync> =
                    format!("{} resolves to no public address", name.as_str()).into();
                return Err(err);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// The delivery client: rustls, timeouts, no redirects, the guarded resolver.
pub fn build_client(policy: UrlPolicy, timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver {
            allow_private: policy.allow_private,
        }))
        .user_agent(concat!("firstmile-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// At most this much of a receiver's answer is read (for the delivery log).
const MAX_RESPONSE_BYTES: usize = 4096;

/// What one POST came to.
#[derive(Clone, Debug)]
pub struct PostOutcome {
    pub status: Option<u16>,
    pub latency: Duration,
    pub error: Option<String>,
}

/// POSTs a signed body; a 2xx answer is a success.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    policy: UrlPolicy,
    headers: [(&'static str, String); 3],
    body: Vec<u8>,
) -> PostOutcome {
    let started = Instant::now();
    if let Err(UrlRefusal(_, message)) = check_literal(url, policy) {
        return PostOutcome {
            status: None,
            latency: started.elapsed(),
            error: Some(message),
        };
    }
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    match request.send().await {
        Ok(mut response) => {
            let status = response.status();
            let mut read = 0usize;
            // Drain a little of the body, then drop the connection.
            while read < MAX_RESPONSE_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => read += chunk.len(),
                    _ => break,
                }
            }
            PostOutcome {
                status: Some(status.as_u16()),
                latency: started.elapsed(),
                error: (!status.is_success()).then(|| format!("answered {status}")),
            }
        }
        Err(e) => PostOutcome {
            status: None,
            latency: started.elapsed(),
            error: Some(if e.is_timeout() {
                "timed out".to_owned()
            } else {
                format!("{e}")
            }),
        },
    }
}

/// An IP-literal host never goes through the resolver: checked here.
fn check_literal(url: &str, policy: UrlPolicy) -> Result<(), UrlRefusal> {
    if policy.allow_private {
        return Ok(());
    }
    let parsed = reqwest::Url::parse(url).map_err(|e| UrlRefusal("invalid_url", e.to_string()))?;
    let host = parsed.host_str().unwrap_or("");
    let host = host.trim_start_matches('[').trim_end_matches(']');
    match host.parse::<IpAddr>() {
        Ok(ip) if is_internal(ip) => Err(UrlRefusal(
            "url_not_public",
            format!("{host} is not a public address"),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "0.0.0.0",
        ] {
            assert!(is_internal(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "2606:4700::1111"] {
            assert!(!is_internal(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked() {
        let strict = UrlPolicy::default();
        assert_eq!(
            check_url("http://8.8.8.8/h", strict).await.unwrap_err().0,
            "url_not_https"
        );
        assert_eq!(
            check_url("https://127.0.0.1/h", strict)
                .await
                .unwrap_err()
                .0,
            "url_not_public"
        );
        assert_eq!(
            check_url("https://localhost/h", strict)
                .await
                .unwrap_err()
                .0,
            "url_not_public"
        );
        assert_eq!(
            check_url("https://[::1]/h", strict).await.unwrap_err().0,
            "url_not_public"
        );
        assert_eq!(
            check_url("ftp://x", strict).await.unwrap_err().0,
            "url_not_https"
        );
        assert!(check_url("https://8.8.8.8/h", strict).await.is_ok());
        let open = UrlPolicy {
            allow_http: true,
            allow_private: true,
        };
        assert!(check_url("http://127.0.0.1:9/h", open).await.is_ok());
    }
}
