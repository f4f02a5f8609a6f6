import Foundation
import Hummingbird

/// `/v1/volumes` (with their snapshots) and `/v1/nodes/{name}/forwards`. These are quick (a
/// preallocated file, a QMP command) and answer when done: 200, 201, or 204 for a removal.
struct VolumeRoutes: Sendable {
    let service: NodeService

    func add(to v1: RouterGroup<NodeAPIContext>) {
        v1.get("volumes") { _, _ -> VolumeList in
            VolumeList(volumes: service.volumes.list().map(service.volumeView))
        }
        v1.post("volumes") { request, context -> EditedResponse<VolumeView> in
            let body = try await request.decodeStrictly(VolumeCreateRequest.self, context: context)
            return EditedResponse(
                status: .created,
                response: service.volumeView(
                    try await withAPIErrorsAsync { () async throws(NodeError) in try await service.createVolume(body) }))
        }
        v1.get("volumes/{id}") { _, context -> VolumeView in
            let id = try NodeAPIRouter.pathParameter("id", context)
            return service.volumeView(try withAPIErrors { () throws(NodeError) in try service.volume(id) })
        }
        v1.delete("volumes/{id}") { _, context -> HTTPResponse.Status in
            let id = try NodeAPIRouter.pathParameter("id", context)
            try await withAPIErrorsAsync { () async throws(NodeError) in try await service.destroyVolume(id) }
            return .noContent
        }
        v1.post("volumes/{id}/attach") { request, context -> VolumeView in
            let id = try NodeAPIRouter.pathParameter("id", context)
            let body = try await request.decodeStrictly(AttachRequest.self, context: context)
            return service.volumeView(
                try await withAPIErrorsAsync { () async throws(NodeError) in try await service.attachVolume(id, to: body.node) })
        }
        v1.post("volumes/{id}/detach") { request, context -> VolumeView in
            let id = try NodeAPIRouter.pathParameter("id", context)
            _ = try await request.decodeStrictly(EmptyRequest.self, context: context)
            return service.volumeView(try await withAPIErrorsAsync { () async throws(NodeError) in try await service.detachVolume(id) })
        }
        v1.get("volumes/{id}/snapshots") { _, context -> SnapshotList in
            let id = try NodeAPIRouter.pathParameter("id", context)
            return SnapshotList(
                snapshots: try await withAPIErrorsAsync { () async throws(NodeError) in try await service.snapshots(of: id) })
        }
        v1.post("volumes/{id}/snapshots") { request, context -> EditedResponse<VolumeSnapshotView> in
            let id = try NodeAPIRouter.pathParameter("id", context)
            let body = try await request.decodeStrictly(SnapshotRequest.self, context: context)
            let made = try await withAPIErrorsAsync { () async throws(NodeError) in
                try await service.createSnapshot(of: id, named: body.name)
            }
            return EditedResponse(status: .created, response: made)
        }
        v1.post("volumes/{id}/snapshots/{snapshot}/revert") { request, context -> HTTPResponse.Status in
            let id = try NodeAPIRouter.pathParameter("id", context)
            let snapshot = try NodeAPIRouter.pathParameter("snapshot", context)
            _ = try await request.decodeStrictly(EmptyRequest.self, context: context)
            try await withAPIErrorsAsync { () async throws(NodeError) in try await service.revertSnapshot(snapshot, of: id) }
            return .noContent
        }
        v1.delete("volumes/{id}/snapshots/{snapshot}") { _, context -> HTTPResponse.Status in
            let id = try NodeAPIRouter.pathParameter("id", context)
            let snapshot = try NodeAPIRouter.pathParameter("snapshot", context)
            try await withAPIErrorsAsync { () async throws(NodeError) in try await service.deleteSnapshot(snapshot, of: id) }
            return .noContent
        }
        v1.get("nodes/{name}/forwards") { _, context -> ForwardList in
            let name = try NodeAPIRouter.pathParameter("name", context)
            return ForwardList(forwards: try withAPIErrors { () throws(NodeError) in try service.forwards(of: name) })
        }
        v1.post("nodes/{name}/forwards") { request, context -> EditedResponse<PortForwardRecord> in
            let name = try NodeAPIRouter.pathParameter("name", context)
            let body = try await request.decodeStrictly(PortForwardRequest.self, context: context)
            let added = try await withAPIErrorsAsync { () async throws(NodeError) in try await service.addForward(body, to: name) }
            return EditedResponse(status: .created, response: added)
        }
        v1.delete("nodes/{name}/forwards/{id}") { _, context -> HTTPResponse.Status in
            let name = try NodeAPIRouter.pathParameter("name", context)
            let id = try NodeAPIRouter.pathParameter("id", context)
            try await withAPIErrorsAsync { () async throws(NodeError) in try await service.removeForward(id, from: name) }
            return .noContent
        }
    }
}

/// Runs a node operation, its refusals and failures as the API's errors.
func withAPIErrors<T>(_ body: () throws(NodeError) -> T) throws -> T {
    do { return try body() } catch { throw APIError(error) }
}

func withAPIErrorsAsync<T>(_ body: () async throws(NodeError) -> T) async throws -> T {
    do { return try await body() } catch { throw APIError(error) }
}

struct VolumeList: ResponseCodable {
    let volumes: [VolumeView]
}

struct SnapshotList: ResponseCodable {
    let snapshots: [VolumeSnapshotView]
}

struct ForwardList: ResponseCodable {
    let forwards: [PortForwardRecord]
}

extension VolumeView: ResponseCodable {}
extension VolumeSnapshotView: ResponseCodable {}
extension PortForwardRecord: ResponseCodable {}
