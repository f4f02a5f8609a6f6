import Machines

/// The HTTP server an installer fetches its answer file from (Packer's `http_directory`): a
/// `guestfwd` rule that runs, for each connection the guest opens to 10.0.2.100:8000, a small
/// HTTP/1.0 file server written in sh over a folder. Nothing listens on the host, so it works
/// with `restrict=on` and is reachable from nowhere but this guest. Each request is logged as
/// `<status> <method> <path>`, for the build's errors.
public enum GuestFileServer {
    public static let address = "10.0.2.100"
    public static let port = 8000

    /// `$1` is the folder, `$2` the request log. Paths with `..` are refused; a folder serves its
    /// index.html.
    public static func command(root: String, requestLog: String) -> String {
        let responder = [
            #"read -r method target version; target=${target%"$(printf '\r')"}; path=${target%%\?*}"#,
            #"while read -r line && [ ${#line} -gt 1 ]; do :; done"#,
            #"file="$1$path"; case "$path" in /*) ;; *) file= ;; esac; case "$path" in *..*) file= ;; esac"#,
            #"[ -n "$file" ] && [ -d "$file" ] && file="${file%/}/index.html""#,
            #"if [ -n "$file" ] && [ -f "$file" ]; then echo "200 $method $path" >> "$2";"#
                + #" printf 'HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' "$(($(wc -c < "$file")))";"#
                + #" [ "$method" = HEAD ] || cat "$file";"#
                + #" else echo "404 $method $path" >> "$2"; printf 'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'; fi"#,
        ].joined(separator: "; ")
        return "sh -c " + Communicator.quote(responder) + " installer-http " + Communicator.quote(root) + " "
            + Communicator.quote(requestLog)
    }
}
