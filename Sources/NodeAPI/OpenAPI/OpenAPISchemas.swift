import Foundation

/// The JSON Schemas of the API's bodies, as OpenAPI 3.0 components. Request bodies are closed
/// (`additionalProperties: false`), as the server refuses unknown fields.
enum OpenAPISchemas {
    /// A request body (`closed`) refuses unknown fields, and takes null for an optional field as
    /// the field left out, as the server reads it.
    static func object(_ properties: [String: [String: Any]], required: [String], closed: Bool = false) -> [String: Any] {
        var fields = properties
        if closed {
            for (name, property) in properties where !required.contains(name) && property["$ref"] == nil {
                fields[name] = nullable(property)
            }
        }
        var schema: [String: Any] = ["type": "object", "properties": fields, "required": required]
        if closed { schema["additionalProperties"] = false }
        return schema
    }

    static func reference(_ name: String) -> [String: Any] { ["$ref": "#/components/schemas/" + name] }
    static func array(_ items: [String: Any]) -> [String: Any] { ["type": "array", "items": items] }
    /// OpenAPI 3.0's nullable; an enum lists null too, or null stays outside it.
    static func nullable(_ schema: [String: Any]) -> [String: Any] {
        var result = schema.merging(["nullable": true]) { $1 }
        if let values = schema["enum"] as? [Any] { result["enum"] = values + [NSNull()] }
        return result
    }
    static var string: [String: Any] { ["type": "string"] }
    static var integer: [String: Any] { ["type": "integer"] }
    static var dateTime: [String: Any] { ["type": "string", "format": "date-time"] }
    static var name: [String: Any] {
        ["type": "string", "minLength": 1, "maxLength": NodeName.maximumLength, "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*$"]
    }

    static var all: [String: Any] {
        [
            "Error": object(
                [
                    "kind": [
                        "type": "string",
                        "enum": ["unauthorized", "not_found", "bad_request", "conflict", "too_large", "internal", "failed"],
                    ], "message": string,
                ],
                required: ["kind", "message"]),
            "Size": object(
                ["id": string, "name": string, "cpus": integer, "memory_mib": integer, "disk_gib": integer],
                required: ["id", "name", "cpus", "memory_mib", "disk_gib"]),
            "Minimums": object(
                ["name": string, "os_type": string, "cpus": integer, "memory_mib": integer, "disk_gib": integer],
                required: ["name", "os_type", "cpus", "memory_mib", "disk_gib"]),
            "Image": object(
                [
                    "id": string, "name": string, "version": string, "architecture": string, "provider": string,
                    "minimums": reference("Minimums"),
                ],
                required: ["id", "name", "version", "provider"]),
            "Node": object(
                [
                    "id": string, "name": string,
                    "state": [
                        "type": "string",
                        "enum": [
                            "pending", "running", "stopped", "suspended", "rebooting", "starting", "stopping", "terminated", "error",
                            "unknown",
                        ],
                    ],
                    "machine_state": string, "phase": ["type": "string", "enum": ["creating", "ready", "failed"]], "image_id": string,
                    "size_id": string, "cpus": integer, "memory_mib": integer, "disk_gib": integer, "provider": string, "created": dateTime,
                    "ssh_host": string, "ssh_port": integer, "ssh_user": string, "private_ip": string, "operation": string,
                    "failure": string,
                    "folder": string,
                ],
                required: [
                    "id", "name", "state", "phase", "image_id", "size_id", "cpus", "memory_mib", "disk_gib", "provider", "created",
                    "folder",
                ]),
            "NodeCreate": object(
                [
                    "name": name, "image": ["type": "string", "minLength": 1], "size": string,
                    "ssh_key": [
                        "type": "string", "maxLength": 4096,
                        "pattern":
                            "^(ssh-rsa|ssh-ed25519|ssh-dss|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|sk-[A-Za-z0-9@.-]+) ([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})( [^\\x00-\\x1f\\x7f-\\x9f]*)?$",
                    ],
                    "password": ["type": "string", "minLength": 1, "maxLength": 128, "pattern": "^[^\\x00-\\x1f\\x7f-\\x9f]+$"],
                    "user_data": [
                        // In characters: a quarter of the byte limit, as each takes up to 4 bytes.
                        "type": "string", "maxLength": NodeCreateRequest.maximumUserData / 4,
                        "pattern": "^(#cloud-config|#!|#include|#cloud-boothook|#part-handler|## template: jinja)",
                    ],
                ],
                required: ["name", "image"], closed: true),
            "Operation": object(
                [
                    "id": string, "kind": ["type": "string", "enum": ["create", "start", "stop", "reboot", "destroy", "image"]],
                    "node": string,
                    "status": ["type": "string", "enum": ["running", "succeeded", "failed"]], "started": dateTime, "finished": dateTime,
                    "error": reference("Error"), "result": string, "log": array(string),
                ],
                required: ["id", "kind", "node", "status", "started", "log"]),
            "OperationAnswer": object(
                ["operation": reference("Operation"), "node": reference("Node"), "image": reference("Image")], required: ["operation"]),
            "ImageCreate": object(
                [
                    "node": name,
                    "name": ["type": "string", "maxLength": 127, "pattern": "^[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)?$"],
                ],
                required: ["node", "name"], closed: true),
            "Volume": object(
                [
                    "id": string, "name": string, "size_mib": integer, "format": ["type": "string", "enum": ["qcow2", "raw"]],
                    "state": ["type": "string", "enum": ["available", "inuse"]], "attached_to": string, "device": string, "path": string,
                    "created": dateTime,
                ],
                required: ["id", "name", "size_mib", "format", "state", "path", "created"]),
            "VolumeCreate": object(
                [
                    "name": name, "size_mib": ["type": "integer", "minimum": 1, "maximum": VolumeCreateRequest.maximumMiB],
                    "format": ["type": "string", "enum": ["qcow2", "raw"]],
                ],
                required: ["name", "size_mib"], closed: true),
            "Attach": object(["node": name], required: ["node"], closed: true),
            "Empty": object([:], required: [], closed: true),
            "Snapshot": object(["id": string, "name": string, "volume": string, "created": dateTime], required: ["id", "name", "volume"]),
            "SnapshotCreate": object(["name": name], required: [], closed: true),
            "Forward": object(
                ["id": string, "protocol": string, "host_ip": string, "host_port": integer, "guest_port": integer],
                required: ["id", "protocol", "host_ip", "host_port", "guest_port"]),
            "ForwardCreate": object(
                [
                    "guest_port": ["type": "integer", "minimum": 1, "maximum": 65535],
                    "host_port": ["type": "integer", "minimum": 1024, "maximum": 65535],
                    "host_ip": ["type": "string", "pattern": "^[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}$"],
                    "protocol": ["type": "string", "enum": ["tcp", "udp"]],
                ],
                required: ["guest_port"], closed: true),
            "Environment": object(
                [
                    "path": string,
                    "machines": array(
                        object(
                            ["id": string, "name": string, "provider": string, "state": string, "box": string],
                            required: ["id", "name", "provider", "state"])),
                ],
                required: ["path", "machines"]),
        ]
    }
}
