/// How box and catalog downloads reach their server, as Vagrant's `box_download_*` settings
/// and `box add --cacert/--capath/--cert/--insecure/--location-trusted` give it.
public struct DownloadOptions: Sendable, Equatable {
    /// A CA bundle file to verify the server with.
    public var caCertificate: String?
    /// A folder of CA certificates.
    public var caPath: String?
    /// A client certificate (PEM) to present.
    public var clientCertificate: String?
    /// Skip TLS verification.
    public var insecure = false
    /// Send credentials on to the hosts a redirect leads to.
    public var locationTrusted = false
    /// More curl options, as Vagrant maps `box_download_options`: `{"key" => "value"}` is
    /// `--key value`, `{"key" => true}` is `--key`.
    public var extraArguments: [String] = []

    public init() {}

    var curlArguments: [String] {
        var arguments: [String] = []
        if let caCertificate { arguments += ["--cacert", caCertificate] }
        if let caPath { arguments += ["--capath", caPath] }
        if insecure { arguments.append("--insecure") }
        if let clientCertificate { arguments += ["--cert", clientCertificate] }
        if locationTrusted { arguments.append("--location-trusted") }
        return arguments + extraArguments
    }
}
