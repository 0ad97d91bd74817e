//! The Query protocol's XML answers. Text is escaped by quick-xml.

use quick_xml::escape::escape;

use super::error::StsError;

/// STS's XML namespace.
const NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// Builds an XML document element by element.
#[derive(Default)]
pub(crate) struct Xml {
    out: String,
}

impl Xml {
    pub(crate) fn open(&mut self, name: &str) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    pub(crate) fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// `<name>text</name>`, the text escaped.
    pub(crate) fn text(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name);
        self.out.push_str(&escape(text));
        self.close(name)
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// `<{Action}Response xmlns=...><{Action}Result>{body}</...><ResponseMetadata>...`
pub(crate) fn response(action: &str, request_id: &str, body: impl FnOnce(&mut Xml)) -> String {
    let mut xml = Xml::default();
    xml.out
        .push_str(&format!("<{action}Response xmlns=\"{NS}\">"));
    xml.open(&format!("{action}Result"));
    body(&mut xml);
    xml.close(&format!("{action}Result"));
    xml.open("ResponseMetadata")
        .text("RequestId", request_id)
        .close("ResponseMetadata");
    xml.close(&format!("{action}Response"));
    xml.finish()
}

/// STS's `ErrorResponse`.
pub(crate) fn error(e: &StsError, request_id: &str) -> String {
    let mut xml = Xml::default();
    xml.out.push_str(&format!("<ErrorResponse xmlns=\"{NS}\">"));
    let kind = if e.code.status().is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    xml.open("Error")
        .text("Type", kind)
        .text("Code", e.code.as_str())
        .text("Message", &e.message)
        .close("Error")
        .text("RequestId", request_id)
        .close("ErrorResponse");
    xml.finish()
}
