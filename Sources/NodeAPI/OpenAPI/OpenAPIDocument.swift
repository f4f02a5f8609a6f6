import Foundation

/// The API's OpenAPI 3.0 document, served at `/v1/openapi.json` and committed as
/// docs/openapi.json (a test keeps the two the same).
public enum OpenAPIDocument {
    typealias Schema = [String: Any]
    typealias S = OpenAPISchemas

    /// The document as indented JSON with sorted keys, so that the committed copy diffs well.
    public static var json: String {
        let data =
            (try? JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static var document: [String: Any] {
        [
            "openapi": "3.0.3",
            "info": [
                "title": "boxer node API", "version": "1",
                "description":
                    "boxer serve: nodes made from installed boxes and sizes derived from the host, volumes, port forwards, images from nodes. Over the unix socket $BOXER_HOME/run/api.sock no token is needed; over TCP (boxer serve --listen) every request carries Authorization: Bearer <the token in $BOXER_HOME/api-token>. Long operations answer 202 with an operation to poll; ?wait=true answers when it has finished.",
            ],
            "servers": [["url": "/"]],
            "security": [["bearer": [String]()]],
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": OpenAPISchemas.all,
                "responses": ["Error": ["description": "The request was refused or failed.", "content": json(S.reference("Error"))]],
            ],
            "paths": paths,
        ]
    }

    static var paths: [String: Any] {
        let name = parameter("name")
        let id = parameter("id")
        let wait: [[String: Any]] = [
            [
                "name": "wait", "in": "query", "required": false, "schema": ["type": "boolean"],
                "description": "Answer when the operation has finished.",
            ],
            [
                "name": "timeout", "in": "query", "required": false, "schema": ["type": "number", "minimum": 0],
                "description": "Seconds to wait at most (1800).",
            ],
        ]
        var paths: [String: Any] = [
            "/v1/openapi.json": [
                "get": operation("This document.", ["200": ["description": "The OpenAPI document.", "content": json(["type": "object"])]])
            ],
            "/v1/sizes": ["get": operation("The sizes this host offers, the placeholder (id \"\") first.", ok(list("sizes", "Size")))],
            "/v1/images": [
                "get": operation("The images: the boxes in the store.", ok(list("images", "Image"))),
                "post": operation(
                    "Make an image of a stopped node (an operation).", accepted(created: true), body: "ImageCreate", parameters: wait),
            ],
            "/v1/images/{id}": [
                "get": operation("One image (its id percent-encoded).", ok(S.reference("Image")), parameters: [id]),
                "delete": operation("Remove an image no node was made from.", noContent, parameters: [id]),
            ],
            "/v1/nodes": [
                "get": operation("The nodes.", ok(list("nodes", "Node"))),
                "post": operation("Create a node (an operation).", accepted(created: true), body: "NodeCreate", parameters: wait),
            ],
            "/v1/nodes/{name}": [
                "get": operation("One node.", ok(S.reference("Node")), parameters: [name]),
                "delete": operation("Destroy a node (an operation).", accepted(created: false), parameters: [name] + wait),
            ],
            "/v1/nodes/{name}/forwards": [
                "get": operation("A node's port forwards.", ok(list("forwards", "Forward")), parameters: [name]),
                "post": operation(
                    "Forward a host port to a port of the running node.", created(S.reference("Forward")), body: "ForwardCreate",
                    parameters: [name]),
            ],
            "/v1/nodes/{name}/forwards/{id}": ["delete": operation("Remove a port forward.", noContent, parameters: [name, id])],
            "/v1/operations/{id}": ["get": operation("An operation.", ok(S.reference("Operation")), parameters: [id] + wait)],
            "/v1/volumes": [
                "get": operation("The volumes.", ok(list("volumes", "Volume"))),
                "post": operation("Create a fixed-size volume.", created(S.reference("Volume")), body: "VolumeCreate"),
            ],
            "/v1/volumes/{id}": [
                "get": operation("One volume.", ok(S.reference("Volume")), parameters: [id]),
                "delete": operation("Destroy a volume that is not attached.", noContent, parameters: [id]),
            ],
            "/v1/volumes/{id}/attach": [
                "post": operation("Attach the volume to a node.", ok(S.reference("Volume")), body: "Attach", parameters: [id])
            ],
            "/v1/volumes/{id}/detach": [
                "post": operation(
                    "Detach the volume from its node.", ok(S.reference("Volume")), body: "Empty", optionalBody: true, parameters: [id])
            ],
            "/v1/volumes/{id}/snapshots": [
                "get": operation("The volume's snapshots.", ok(list("snapshots", "Snapshot")), parameters: [id]),
                "post": operation(
                    "Take a snapshot of a qcow2 volume.", created(S.reference("Snapshot")), body: "SnapshotCreate", optionalBody: true,
                    parameters: [id]),
            ],
            "/v1/volumes/{id}/snapshots/{snapshot}": [
                "delete": operation("Delete a snapshot.", noContent, parameters: [id, parameter("snapshot")])
            ],
            "/v1/volumes/{id}/snapshots/{snapshot}/revert": [
                "post": operation(
                    "Put the volume back as it was at the snapshot.", noContent, body: "Empty", optionalBody: true,
                    parameters: [id, parameter("snapshot")])
            ],
            "/v1/environments": [
                "get": operation("The Vagrantfile projects of the machine index.", ok(list("environments", "Environment")))
            ],
        ]
        for action in ["start", "stop", "reboot"] {
            paths["/v1/nodes/{name}/\(action)"] = [
                "post": operation(
                    "\(action.prefix(1).uppercased() + action.dropFirst()) the node (an operation).", accepted(created: false),
                    parameters: [name] + wait)
            ]
        }
        return paths
    }

    static func parameter(_ name: String) -> [String: Any] {
        // Image ids hold ':' and '/' (percent-encoded); the other ids are names.
        let anyID: [String: Any] = ["type": "string", "pattern": "^[A-Za-z0-9._:~-]+$"]
        return ["name": name, "in": "path", "required": true, "schema": name == "id" ? anyID : S.name]
    }

    /// The methods the document gives `path` (a concrete path, matched against its templates),
    /// upper-case; empty when no template matches.
    public static func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        for (template, operations) in routeTable {
            let parts = template.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == segments.count else { continue }
            if zip(parts, segments).allSatisfy({ part, segment in part.hasPrefix("{") ? !segment.isEmpty : part == segment }) {
                return operations
            }
        }
        return []
    }

    static let routeTable: [(String, [String])] = paths.map { path, operations in
        (path, ((operations as? [String: Any])?.keys.map { $0.uppercased() } ?? []).sorted())
    }.sorted { $0.0 < $1.0 }

    static func json(_ schema: Schema) -> [String: Any] { ["application/json": ["schema": schema]] }

    static func list(_ key: String, _ item: String) -> Schema { S.object([key: S.array(S.reference(item))], required: [key]) }

    static func ok(_ schema: Schema) -> [String: Any] { ["200": ["description": "OK", "content": json(schema)]] }
    static func created(_ schema: Schema) -> [String: Any] { ["201": ["description": "Created", "content": json(schema)]] }
    static var noContent: [String: Any] { ["204": ["description": "Done"]] }

    /// 202 with the operation; with ?wait, 200 (or 201 for what it made) once it has finished.
    static func accepted(created: Bool) -> [String: Any] {
        var responses: [String: Any] = [
            "202": ["description": "Accepted: the operation runs.", "content": json(S.reference("OperationAnswer"))],
            "200": ["description": "With ?wait: the operation has finished.", "content": json(S.reference("OperationAnswer"))],
        ]
        if created { responses["201"] = ["description": "With ?wait: made.", "content": json(S.reference("OperationAnswer"))] }
        return responses
    }

    static func operation(
        _ summary: String, _ responses: [String: Any], body: String? = nil, optionalBody: Bool = false, parameters: [[String: Any]] = []
    ) -> [String: Any] {
        var errors: [String: Any] = [:]
        for status in ["400", "401", "404", "409", "413", "500"] { errors[status] = ["$ref": "#/components/responses/Error"] }
        var operation: [String: Any] = ["summary": summary, "responses": responses.merging(errors) { first, _ in first }]
        if !parameters.isEmpty { operation["parameters"] = parameters }
        if let body {
            operation["requestBody"] = ["required": !optionalBody, "content": json(S.reference(body))]
        }
        return operation
    }
}
