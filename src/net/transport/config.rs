//! `NetConfig` and `LinkConfig`: how links behave, validated.

use std::any::Any;
use std::ops::Range;
use std::time::Duration;

use crate::error::ConfigError;
use crate::runtime::Builder;
use crate::runtime::parts::Part;

/// How one direction of a link between two nodes behaves: its latency range,
/// its loss and duplication probabilities.
///
/// | setting | default |
/// |---|---|
/// | `latency` | `1ms..10ms` (each packet draws its own, so packets reorder) |
/// | `loss` | `0.0` |
/// | `duplicate` | `0.0` |
/// | `mtu` | none (no limit) |
///
/// # Determinism
///
/// Every packet's latency is a choice on the tape (0 = the minimum), and so
/// are its loss and duplication when their probability is above 0 (0 =
/// delivered, not duplicated).
///
/// ```
/// use std::time::Duration;
/// use seedloop::net::LinkConfig;
///
/// let slow = LinkConfig::new()
///     .latency(Duration::from_millis(50)..Duration::from_millis(80))
///     .loss(0.1);
/// assert_eq!(slow.loss_probability(), 0.1);
/// assert!(slow.validate().is_ok());
/// assert!(LinkConfig::new().loss(1.5).validate().is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct LinkConfig {
    pub(crate) latency: Range<Duration>,
    pub(crate) loss: f64,
    pub(crate) duplicate: f64,
    pub(crate) mtu: Option<usize>,
}

impl Default for LinkConfig {
    fn default() -> LinkConfig {
        LinkConfig {
            latency: Duration::from_millis(1)..Duration::from_millis(10),
            loss: 0.0,
            duplicate: 0.0,
            mtu: None,
        }
    }
}

/// The IPv4 and UDP headers a datagram carries over its payload.
pub(crate) const UDP_HEADERS: usize = 28;
/// Whether a datagram of `len` payload bytes fits an MTU of `mtu` bytes.
#[inline]
pub(crate) fn datagram_fits(len: usize, mtu: usize) -> bool {
    len + UDP_HEADERS <= mtu
}

/// The IPv4 and TCP headers a segment carries over its payload.
pub(crate) const TCP_HEADERS: usize = 40;
/// The smallest MTU IPv4 allows (RFC 791).
const MIN_MTU: usize = 68;

impl LinkConfig {
    /// The defaults of the table above.
    ///
    /// ```
    /// assert_eq!(seedloop::net::LinkConfig::new(), seedloop::net::LinkConfig::default());
    /// ```
    pub fn new() -> LinkConfig {
        LinkConfig::default()
    }

    /// Each packet's one-way latency is drawn from `range` (a range with
    /// `start == end` is a fixed latency).
    ///
    /// ```
    /// use std::time::Duration;
    /// let l = seedloop::net::LinkConfig::new().latency(Duration::ZERO..Duration::ZERO);
    /// assert!(l.validate().is_ok());
    /// ```
    pub fn latency(mut self, range: Range<Duration>) -> LinkConfig {
        self.latency = range;
        self
    }

    /// The probability that a packet is lost (UDP: gone; TCP: retransmitted later).
    ///
    /// ```
    /// let l = seedloop::net::LinkConfig::new().loss(0.3);
    /// assert_eq!(l.loss_probability(), 0.3);
    /// ```
    pub fn loss(mut self, p: f64) -> LinkConfig {
        self.loss = p;
        self
    }

    /// The probability that a UDP datagram arrives twice (TCP removes
    /// duplicates, so it never sees them).
    ///
    /// ```
    /// let l = seedloop::net::LinkConfig::new().duplicate(0.05);
    /// assert_eq!(l.duplicate_probability(), 0.05);
    /// ```
    pub fn duplicate(mut self, p: f64) -> LinkConfig {
        self.duplicate = p;
        self
    }

    /// The link's MTU: the largest IP packet it carries, headers
    /// included. A UDP datagram whose payload and 28 bytes of headers do
    /// not fit fails to send (`InvalidInput`, as with `IP_PMTUDISC_DO`);
    /// TCP cuts what it writes into segments of at most MTU - 40 bytes.
    ///
    /// ```
    /// let link = seedloop::net::LinkConfig::new().mtu(1500);
    /// assert_eq!(link.mtu_bytes(), Some(1500));
    /// assert!(seedloop::net::LinkConfig::new().mtu(40).validate().is_err());
    /// ```
    pub fn mtu(mut self, bytes: usize) -> LinkConfig {
        self.mtu = Some(bytes);
        self
    }

    /// The MTU, if the link has one.
    ///
    /// ```
    /// assert_eq!(seedloop::net::LinkConfig::new().mtu_bytes(), None);
    /// ```
    pub fn mtu_bytes(&self) -> Option<usize> {
        self.mtu
    }

    /// The latency range.
    ///
    /// ```
    /// use std::time::Duration;
    /// let l = seedloop::net::LinkConfig::new();
    /// assert_eq!(l.latency_range(), Duration::from_millis(1)..Duration::from_millis(10));
    /// ```
    pub fn latency_range(&self) -> Range<Duration> {
        self.latency.clone()
    }

    /// The loss probability.
    ///
    /// ```
    /// assert_eq!(seedloop::net::LinkConfig::new().loss_probability(), 0.0);
    /// ```
    pub fn loss_probability(&self) -> f64 {
        self.loss
    }

    /// The duplication probability.
    ///
    /// ```
    /// assert_eq!(seedloop::net::LinkConfig::new().duplicate_probability(), 0.0);
    /// ```
    pub fn duplicate_probability(&self) -> f64 {
        self.duplicate
    }

    /// Checks the values.
    ///
    /// # Errors
    ///
    /// A [`ConfigError`] naming the setting and value: a probability outside
    /// `0..=1` (or NaN), or a latency range whose start is after its end.
    ///
    /// ```
    /// use std::time::Duration;
    /// let err = seedloop::net::LinkConfig::new()
    ///     .latency(Duration::from_secs(2)..Duration::from_secs(1))
    ///     .validate()
    ///     .unwrap_err();
    /// assert_eq!(err.setting(), "latency");
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        ConfigError::probability("loss", self.loss)?;
        ConfigError::probability("duplicate", self.duplicate)?;
        if let Some(mtu) = self.mtu {
            if mtu < MIN_MTU {
                return Err(ConfigError::new(
                    "mtu",
                    mtu.to_string(),
                    format!("must be at least {MIN_MTU} bytes (the least IPv4 allows)"),
                ));
            }
        }
        if self.latency.start > self.latency.end {
            return Err(ConfigError::new(
                "latency",
                format!("{:?}", self.latency),
                "the range's start is after its end",
            ));
        }
        Ok(())
    }
}

/// A probability as a `Coin` bias in units of 2^-32 (`u32::MAX` = certain).
pub(crate) fn coin(p: f64) -> u32 {
    if p >= 1.0 {
        u32::MAX
    } else {
        (p * 4_294_967_296.0) as u32
    }
}

/// The network of a simulation: the default [`LinkConfig`] of every link,
/// and the TCP settings. Given to [`Builder::net`](crate::Builder::net).
///
/// | setting | default |
/// |---|---|
/// | `latency`, `loss`, `duplicate` | as [`LinkConfig`] |
/// | `connect_timeout` | 5 s: a connect that gets no answer fails with `TimedOut` |
/// | `partition_timeout` | 30 s: a TCP connection across a partition that lasts longer breaks on both sides with `TimedOut` |
/// | `retransmit` | 200 ms: the first retransmission delay of a lost TCP segment (it doubles each time) |
/// | `send_buffer` | 65,536 bytes: unread bytes a TCP writer may have in flight before `write` waits |
///
/// ```
/// use std::time::Duration;
/// use seedloop::{net::NetConfig, Sim};
///
/// let sim = Sim::builder()
///     .net(NetConfig::new().loss(0.01).latency(Duration::from_millis(1)..Duration::from_millis(3)))
///     .build();
/// # let _ = sim;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NetConfig {
    pub(crate) link: LinkConfig,
    pub(crate) connect_timeout: Duration,
    pub(crate) partition_timeout: Duration,
    pub(crate) retransmit: Duration,
    pub(crate) send_buffer: usize,
    pub(crate) udp_queue: usize,
    pub(crate) tcp_backlog: usize,
}

impl Default for NetConfig {
    fn default() -> NetConfig {
        NetConfig {
            link: LinkConfig::default(),
            connect_timeout: Duration::from_secs(5),
            partition_timeout: Duration::from_secs(30),
            retransmit: Duration::from_millis(200),
            send_buffer: 65_536,
            udp_queue: 4096,
            tcp_backlog: 1024,
        }
    }
}

impl NetConfig {
    /// The defaults of the table above.
    ///
    /// ```
    /// assert_eq!(seedloop::net::NetConfig::new(), seedloop::net::NetConfig::default());
    /// ```
    pub fn new() -> NetConfig {
        NetConfig::default()
    }

    /// The default latency range of every link.
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = seedloop::net::NetConfig::new().latency(Duration::from_millis(1)..Duration::from_millis(2));
    /// # let _ = c;
    /// ```
    pub fn latency(mut self, range: Range<Duration>) -> NetConfig {
        self.link.latency = range;
        self
    }

    /// The default loss probability of every link.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().loss(0.1);
    /// assert_eq!(c.link().loss_probability(), 0.1);
    /// ```
    pub fn loss(mut self, p: f64) -> NetConfig {
        self.link.loss = p;
        self
    }

    /// The default duplication probability of every link.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().duplicate(0.1);
    /// assert_eq!(c.link().duplicate_probability(), 0.1);
    /// ```
    pub fn duplicate(mut self, p: f64) -> NetConfig {
        self.link.duplicate = p;
        self
    }

    /// How long a TCP connect waits for an answer.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().connect_timeout(std::time::Duration::from_secs(1));
    /// # let _ = c;
    /// ```
    pub fn connect_timeout(mut self, t: Duration) -> NetConfig {
        self.connect_timeout = t;
        self
    }

    /// How long a partition may cut a TCP connection before it breaks.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().partition_timeout(std::time::Duration::from_secs(10));
    /// # let _ = c;
    /// ```
    pub fn partition_timeout(mut self, t: Duration) -> NetConfig {
        self.partition_timeout = t;
        self
    }

    /// The first retransmission delay of a lost TCP segment.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().retransmit(std::time::Duration::from_millis(50));
    /// # let _ = c;
    /// ```
    pub fn retransmit(mut self, t: Duration) -> NetConfig {
        self.retransmit = t;
        self
    }

    /// The bytes a TCP writer may have unread by its peer before `write` waits.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().send_buffer(4096);
    /// # let _ = c;
    /// ```
    pub fn send_buffer(mut self, bytes: usize) -> NetConfig {
        self.send_buffer = bytes;
        self
    }

    /// The default MTU of every link (see [`LinkConfig::mtu`]).
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().mtu(1500);
    /// assert_eq!(c.link().mtu_bytes(), Some(1500));
    /// ```
    pub fn mtu(mut self, bytes: usize) -> NetConfig {
        self.link.mtu = Some(bytes);
        self
    }

    /// How many datagrams a UDP socket keeps unread (default 4,096). One
    /// that arrives at a full socket is dropped, as a full receive buffer
    /// drops it on a real host, and the trace says `dropped`.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().udp_queue(16);
    /// # let _ = c;
    /// ```
    pub fn udp_queue(mut self, datagrams: usize) -> NetConfig {
        self.udp_queue = datagrams;
        self
    }

    /// How many connections a listener queues before `accept` takes them
    /// (default 1,024). A connect that finds the queue full is refused
    /// (`ConnectionRefused`): the simulation answers the SYN with a reset
    /// instead of letting the client retry until it times out, so a full
    /// backlog shows at once.
    ///
    /// ```
    /// let c = seedloop::net::NetConfig::new().tcp_backlog(8);
    /// # let _ = c;
    /// ```
    pub fn tcp_backlog(mut self, connections: usize) -> NetConfig {
        self.tcp_backlog = connections;
        self
    }

    /// The default link.
    ///
    /// ```
    /// assert_eq!(seedloop::net::NetConfig::new().link(), &seedloop::net::LinkConfig::new());
    /// ```
    pub fn link(&self) -> &LinkConfig {
        &self.link
    }

    /// Checks the values.
    ///
    /// # Errors
    ///
    /// As [`LinkConfig::validate`], and a zero `send_buffer`, `connect_timeout`,
    /// `partition_timeout` or `retransmit`.
    ///
    /// ```
    /// let err = seedloop::net::NetConfig::new().send_buffer(0).validate().unwrap_err();
    /// assert_eq!(err.setting(), "send_buffer");
    /// ```
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.link.validate()?;
        if self.send_buffer == 0 {
            return Err(ConfigError::new(
                "send_buffer",
                "0",
                "must be at least 1 byte",
            ));
        }
        for (name, n) in [
            ("udp_queue", self.udp_queue),
            ("tcp_backlog", self.tcp_backlog),
        ] {
            if n == 0 {
                return Err(ConfigError::new(name, "0", "must be at least 1"));
            }
        }
        for (name, d) in [
            ("connect_timeout", self.connect_timeout),
            ("partition_timeout", self.partition_timeout),
            ("retransmit", self.retransmit),
        ] {
            if d.is_zero() {
                return Err(ConfigError::new(name, "0s", "must be more than zero"));
            }
        }
        Ok(())
    }
}

impl Part for NetConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        NetConfig::validate(self)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl Builder {
    /// The simulated network: default latency, loss and duplication of every
    /// link, TCP timeouts and buffer size. Checked at [`Builder::try_build`].
    ///
    /// ```
    /// use seedloop::net::NetConfig;
    /// let sim = seedloop::Sim::builder().net(NetConfig::new().loss(0.05)).build();
    /// # let _ = sim;
    /// let err = seedloop::Sim::builder().net(NetConfig::new().loss(-1.0)).try_build().unwrap_err();
    /// assert_eq!(err.setting(), "loss");
    /// ```
    pub fn net(self, net: NetConfig) -> Builder {
        self.with_part(net)
    }
}

/// The network settings a builder holds (the defaults when none were given).
pub(crate) fn of(builder: &Builder) -> NetConfig {
    builder.part::<NetConfig>().cloned().unwrap_or_default()
}
