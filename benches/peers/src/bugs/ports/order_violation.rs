//! shuttle port of `tests/bugs/order_violation.rs`: the server spawns its
//! handler, then loads the routes under the config lock and installs them.
//!
//! | seedloop | shuttle |
//! | --- | --- |
//! | handler task, `.await` on its handle | `shuttle::thread::spawn`, `join` |
//! | `Rc<RefCell<Option<Vec<_>>>>` routes (no switch point) | `std::sync::Mutex`, locked and released with no shuttle operation in between |
//! | `Mutex::lock().await` on the config | `shuttle::sync::Mutex::lock` |

use std::sync::Arc;

use shuttle::sync::Mutex;
use shuttle::thread;

/// Plain shared state: never held across a shuttle operation.
type Routes = Arc<std::sync::Mutex<Option<Vec<&'static str>>>>;

fn handler(routes: Routes) -> thread::JoinHandle<()> {
    thread::spawn(move || {
        let routes = routes.lock().unwrap();
        let table = routes
            .as_ref()
            .expect("request handled before the routes were installed");
        assert!(table.contains(&"/users"), "GET /users: no route");
    })
}

/// The buggy program.
pub fn body() {
    let routes = Routes::default();
    let config = Mutex::new(vec!["/health", "/users"]);
    let serving = handler(routes.clone());
    let loaded = config.lock().unwrap().clone(); // the handler may run here
    *routes.lock().unwrap() = Some(loaded);
    serving.join().unwrap();
}

/// The fixed program.
pub fn fixed() {
    let routes = Routes::default();
    let config = Mutex::new(vec!["/health", "/users"]);
    let loaded = config.lock().unwrap().clone();
    *routes.lock().unwrap() = Some(loaded);
    let serving = handler(routes.clone()); // only once the routes are in
    serving.join().unwrap();
}
