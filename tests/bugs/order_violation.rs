//! **Order violation (use before init).** A server spawns its request
//! handler, then loads the routing table (awaiting the config lock) and
//! installs it, assuming the handler cannot run before that. It can: if the
//! server is preempted at the config lock, the handler serves a request
//! with no routes installed.
//!
//! **Fix:** install the routes before spawning the handler (or hand them to
//! it), so that the order is enforced, not assumed.

use std::cell::RefCell;
use std::rc::Rc;

use seedloop::sync::Mutex;

type Routes = Rc<RefCell<Option<Vec<&'static str>>>>;

fn handler(routes: Routes) -> seedloop::task::JoinHandle<()> {
    seedloop::spawn(async move {
        let routes = routes.borrow();
        let table = routes
            .as_ref()
            .expect("request handled before the routes were installed");
        assert!(table.contains(&"/users"), "GET /users: no route");
    })
}

/// The buggy program.
pub async fn body() {
    let routes = Routes::default();
    let config = Mutex::new(vec!["/health", "/users"]);
    let serving = handler(routes.clone());
    let loaded = config.lock().await.clone(); // the handler may run here
    *routes.borrow_mut() = Some(loaded);
    serving.await.unwrap();
}

/// The fixed program.
pub async fn fixed() {
    let routes = Routes::default();
    let config = Mutex::new(vec!["/health", "/users"]);
    let loaded = config.lock().await.clone();
    *routes.borrow_mut() = Some(loaded);
    let serving = handler(routes.clone()); // only once the routes are in
    serving.await.unwrap();
}
