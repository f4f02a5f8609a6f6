import BoxerSupport
import Hummingbird

@testable import NodeAPI

extension NodeAPIRouter {
    /// The API over `home` with its operation runner, and machines that cannot be opened (these
    /// tests boot nothing).
    static func testApp(
        host: HostCapacity, token: String?, home: BoxerHome = BoxerHome(root: .init(fileURLWithPath: "/nonexistent/boxer-home"))
    )
        -> some ApplicationProtocol
    {
        let service = NodeService(home: home, host: host) { root, _, _, _ in
            throw NodeError(.failed, "these tests open no machines (\(root))")
        }
        let runner = OperationRunner()
        return Application(router: make(service: service, runner: runner, token: token), services: [runner])
    }
}
