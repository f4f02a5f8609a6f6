import BoxerSupport

/// The messages of `boxer build --upload`. The build's outputs are whole whatever happens here;
/// only URL.txt is missing until every file is up.
extension BuildError {
    static let uploadAgain =
        "The build's outputs are complete in the output folder; run the same build with --upload again (the customized image is reused, and files the server already holds with the same MD5 are not sent again)."

    static func uploadRefused(_ name: String, url: String, status: Int) -> BuildError {
        BuildError(.download, "The server refused the upload of \(name) to \(url): HTTP \(status). \(uploadAgain)")
    }

    static func uploadFailed(_ name: String, url: String, reason: String, attempts: Int) -> BuildError {
        BuildError(.download, "Uploading \(name) to \(url) failed \(attempts) times; the last: \(reason). \(uploadAgain)")
    }

    static func uploadNotThere(_ name: String, url: String, what: String) -> BuildError {
        BuildError(.download, "\(name) was uploaded to \(url), but \(what). \(uploadAgain)")
    }
}
