import BoxStore
import BoxerSupport
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
    public static func make(host: HostCapacity, token: String?, home: BoxerHome = BoxerHome()) -> Router<BasicRequestContext> {
        let router = Router()
        // Middleware first: each route keeps the chain it was added after.
        router.add(middleware: JSONNotFoundMiddleware())
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        let v1 = router.group("v1")
        v1.get("sizes") { _, _ -> SizeList in
            SizeList(sizes: SizeLadder.sizes(hostCPUs: host.cpus, hostMemoryMiB: host.memoryMiB))
        }
        v1.get("images") { _, _ -> ImageList in
            ImageList(images: try Self.store(home).list().map(NodeImage.init(box:)))
        }
        v1.get("images/{id}") { _, context -> NodeImage in
            // Ids hold "/" and ":", which clients percent-encode in the path.
            let raw = try context.parameters.require("id")
            let id = raw.removingPercentEncoding ?? raw
            guard let image = try Self.store(home).list().map(NodeImage.init(box:)).first(where: { $0.id == id }) else {
                throw APIError(.notFound, .notFound, "There is no image \(id); GET /v1/images lists them.")
            }
            return image
        }
        return router
    }

    static func store(_ home: BoxerHome) throws -> BoxStore {
        do { return try BoxStore(home: home) } catch {
            throw APIError(.internalServerError, .serverError, "The box store cannot be opened: \(error)")
        }
    }
}

struct ImageList: ResponseCodable {
    let images: [NodeImage]
}

extension NodeImage: ResponseCodable {}

struct SizeList: ResponseCodable {
    let sizes: [NodeSize]
}
