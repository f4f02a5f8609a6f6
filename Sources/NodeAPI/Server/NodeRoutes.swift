import BoxerSupport
import Foundation
import Hummingbird

/// `/v1/nodes` and `/v1/operations`. Creating, starting, stopping, rebooting and destroying a node
/// answer 202 with an operation at once (everything that can be refused is refused before: 4xx,
/// nothing made); `?wait=true` holds the answer until the operation ends (`timeout`, seconds,
/// default 1800) and then answers as a plain request would: 200/201, or the operation's error.
struct NodeRoutes: Sendable {
    let service: NodeService
    let runner: OperationRunner

    static let defaultWait = 1800.0

    func add(to v1: RouterGroup<NodeAPIContext>) {
        v1.get("nodes") { _, _ -> NodeList in
            let running = await runner.registry.runningByNode()
            var views: [NodeView] = []
            for record in service.store.list() { views.append(await service.view(record, operation: running[record.name])) }
            return NodeList(nodes: views)
        }
        v1.get("nodes/{name}") { _, context -> NodeView in
            let name = try NodeAPIRouter.pathParameter("name", context)
            let operation = await runner.registry.running(on: name)
            do throws(NodeError) { return try await service.view(name, operation: operation) } catch { throw APIError(error) }
        }
        v1.post("nodes") { request, context -> Response in
            let body = try await request.decodeStrictly(NodeCreateRequest.self, context: context)
            let ticket: NodeService.Ticket
            do throws(NodeError) { ticket = try service.accept(body) } catch { throw APIError(error) }
            let operation = await runner.start(kind: "create", node: ticket.record.name) { output throws(NodeError) in
                try await service.create(ticket, output: output)
                return nil
            }
            return try await answer(operation, request: request, context: context, created: true)
        }
        for action in [NodeService.Action.start, .stop, .reboot] {
            v1.post("nodes/{name}/\(action.rawValue)") { request, context -> Response in
                try await perform(action, request: request, context: context)
            }
        }
        v1.delete("nodes/{name}") { request, context -> Response in
            try await perform(.destroy, request: request, context: context)
        }
        v1.post("images") { request, context -> Response in
            let body = try await request.decodeStrictly(NodeService.ImageRequest.self, context: context)
            let ticket = try await withAPIErrorsAsync { () async throws(NodeError) in try await service.beginImage(body) }
            let operation = await runner.start(kind: "image", node: body.node) { output throws(NodeError) in
                try await service.createImage(ticket, name: body.name, output: output).id
            }
            return try await answer(operation, request: request, context: context, created: true)
        }
        v1.delete("images/{id}") { _, context -> HTTPResponse.Status in
            let id = try NodeAPIRouter.pathParameter("id", context)
            try withAPIErrors { () throws(NodeError) in try service.deleteImage(id) }
            return .noContent
        }
        v1.get("environments") { _, _ -> EnvironmentList in
            EnvironmentList(environments: service.environments())
        }
        v1.get("operations/{id}") { request, context -> NodeOperation in
            let id = try NodeAPIRouter.pathParameter("id", context)
            let found = request.flag("wait") ? await runner.registry.wait(id, seconds: waitSeconds(request)) : await runner.registry.get(id)
            guard let found else {
                throw APIError(.notFound, .notFound, "There is no operation \(id) (this server keeps its last \(OperationRegistry.kept)).")
            }
            return found
        }
    }

    func perform(_ action: NodeService.Action, request: Request, context: NodeAPIContext) async throws -> Response {
        let name = try NodeAPIRouter.pathParameter("name", context)
        let ticket: NodeService.Ticket
        do throws(NodeError) { ticket = try service.begin(action, node: name) } catch { throw APIError(error) }
        let operation = await runner.start(kind: action.rawValue, node: name) { output throws(NodeError) in
            try await service.perform(action, ticket, output: output)
            return nil
        }
        return try await answer(operation, request: request, context: context, created: false)
    }

    /// 202 with the operation, or with `?wait` the finished operation (and the node, for a
    /// create) or its error.
    func answer(_ operation: NodeOperation, request: Request, context: NodeAPIContext, created: Bool) async throws -> Response {
        guard request.flag("wait") else {
            var response = try context.responseEncoder.encode(
                OperationAnswer(operation: operation, node: nil, image: nil), from: request, context: context)
            response.status = .accepted
            response.headers[.location] = "/v1/operations/\(operation.id)"
            return response
        }
        let finished = await runner.registry.wait(operation.id, seconds: waitSeconds(request)) ?? operation
        if finished.status == .failed, let failure = finished.error {
            throw APIError(NodeError(NodeError.Kind(rawValue: failure.kind) ?? .failed, failure.message))
        }
        var node: NodeView?
        var image: NodeImage?
        if finished.kind == "image" {
            image = try? service.images().first { $0.id == finished.result }
        } else if finished.kind != "destroy" {
            node = try? await service.view(finished.node)
        }
        let body = OperationAnswer(operation: finished, node: node, image: image)
        var response = try context.responseEncoder.encode(body, from: request, context: context)
        response.status = finished.status == .running ? .accepted : created ? .created : .ok
        return response
    }

    func waitSeconds(_ request: Request) -> Double {
        guard let text = request.uri.queryParameters["timeout"], let seconds = Double(String(text)), seconds >= 0 else {
            return Self.defaultWait
        }
        return min(seconds, Self.defaultWait)
    }
}

struct NodeList: ResponseCodable {
    let nodes: [NodeView]
}

extension NodeView: ResponseCodable {}
extension NodeOperation: ResponseCodable {}

struct OperationAnswer: ResponseCodable {
    let operation: NodeOperation
    let node: NodeView?
    let image: NodeImage?
}

struct EnvironmentList: ResponseCodable {
    let environments: [EnvironmentView]
}

extension EnvironmentView: ResponseCodable {}
