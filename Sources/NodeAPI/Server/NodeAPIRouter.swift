import Foundation
import Hummingbird

/// What the API reads of the host (so that tests can give another one).
public struct HostCapacity: Sendable, Equatable {
    public var cpus: Int
    public var memoryMiB: Int

    public init(cpus: Int, memoryMiB: Int) {
        self.cpus = cpus
        self.memoryMiB = memoryMiB
    }

    /// This machine's.
    public static var current: HostCapacity {
        HostCapacity(cpus: ProcessInfo.processInfo.activeProcessorCount, memoryMiB: Int(ProcessInfo.processInfo.physicalMemory >> 20))
    }
}

/// The routes of `/v1`, for one listener: the TCP one passes its token, the unix socket none.
public enum NodeAPIRouter {
    public static func make(host: HostCapacity, token: String?) -> Router<BasicRequestContext> {
        let router = Router()
        // Middleware first: each route keeps the chain it was added after.
        router.add(middleware: JSONNotFoundMiddleware())
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        let v1 = router.group("v1")
        v1.get("sizes") { _, _ -> SizeList in
            SizeList(sizes: SizeLadder.sizes(hostCPUs: host.cpus, hostMemoryMiB: host.memoryMiB))
        }
        return router
    }
}

struct SizeList: ResponseCodable {
    let sizes: [NodeSize]
}
