import Machines

/// What serves a vm-bootstrap image its first-boot script: a `guestfwd` rule that runs, for each
/// connection the guest opens to 10.0.2.100:80, a small HTTP/1.0 answer written in sh (QEMU
/// connects the guest's TCP stream to its stdin and stdout). Nothing listens on the host, so it
/// works with `restrict=on`. The same rule serves people who launch these images with QEMU by
/// hand (README, "vm-bootstrap images").
public enum BootstrapServer {
    public static let address = "10.0.2.100"
    public static let port = 80
    /// What the guest's agent fetches (Builder's VMBootstrap).
    public static let url = "http://\(address)/vm-bootstrap"

    /// The request is read up to its empty line; the file is the answer (404 once it is gone).
    public static func command(serving file: String) -> String {
        let responder =
            #"while read -r line && [ ${#line} -gt 1 ]; do :; done; "#
            + #"if [ -f "$1" ]; then printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %s\r\nConnection: close\r\n\r\n' "$(($(wc -c < "$1")))"; cat "$1"; "#
            + #"else printf 'HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'; fi"#
        return "sh -c " + Communicator.quote(responder) + " vm-bootstrap " + Communicator.quote(file)
    }
}
