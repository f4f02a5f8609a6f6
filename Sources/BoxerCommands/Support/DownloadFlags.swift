import ArgumentParser
import BoxStore

/// How downloads reach a box server, with Vagrant's `box add` / `box update` flag names.
struct DownloadFlags: ParsableArguments {
    @Option(help: "CA certificate bundle to verify the box server with.")
    var cacert: String?

    @Option(help: "Folder of CA certificates to verify the box server with.")
    var capath: String?

    @Option(help: "Client certificate (PEM) to present to the box server.")
    var cert: String?

    @Flag(help: "Do not verify the box server's TLS certificate.")
    var insecure = false

    @Flag(name: .customLong("location-trusted"), help: "Send credentials on to the hosts a redirect leads to.")
    var locationTrusted = false

    var options: DownloadOptions {
        var options = DownloadOptions()
        options.caCertificate = cacert
        options.caPath = capath
        options.clientCertificate = cert
        options.insecure = insecure
        options.locationTrusted = locationTrusted
        return options
    }
}
