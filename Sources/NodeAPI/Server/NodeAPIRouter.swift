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
    public static func make(service: NodeService, runner: OperationRunner, token: String?) -> Router<NodeAPIContext> {
        let router = Router(context: NodeAPIContext.self)
        // Middleware first: each route keeps the chain it was added after.
        router.add(middleware: JSONNotFoundMiddleware())
        if let token { router.add(middleware: BearerTokenMiddleware(token: token)) }
        let v1 = router.group("v1")
        v1.get("openapi.json") { _, _ -> Response in
            Response(
                status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
        v1.get("sizes") { _, _ -> SizeList in
            SizeList(sizes: service.sizes)
        }
        v1.get("images") { _, _ -> ImageList in
            ImageList(images: try images(service))
        }
        v1.get("images/{id}") { _, context -> NodeImage in
            // Ids hold "/" and ":", which clients percent-encode in the path.
            let id = try pathParameter("id", context)
            guard let image = try images(service).first(where: { $0.id == id }) else { throw APIError(NodeError.noImage(id)) }
            return image
        }
        NodeRoutes(service: service, runner: runner).add(to: v1)
        VolumeRoutes(service: service).add(to: v1)
        return router
    }

    static func images(_ service: NodeService) throws -> [NodeImage] {
        do throws(NodeError) { return try service.images() } catch { throw APIError(error) }
    }

    static func pathParameter(_ name: String, _ context: NodeAPIContext) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }
}

struct ImageList: ResponseCodable {
    let images: [NodeImage]
}

extension NodeImage: ResponseCodable {}

struct SizeList: ResponseCodable {
    let sizes: [NodeSize]
}
