//! What the client card lists beside the record itself (DATA-01, DATA-03, DATA-10, DATA-11,
//! CMP-01): one client's enquiries, feedback and complaints. Each checks its own permission,
//! so the card shows what the service allows and its refusal otherwise.

use crate::domain::access::Permission;
use crate::domain::enquiry::Enquiry;
use crate::domain::records::Feedback;
use crate::domain::validate::StudentNumber;

use super::{ComplaintLine, Desk, DeskError};

impl Desk {
    /// A client's enquiries, newest first (anyone who may look up clients).
    pub fn client_enquiries(&self, sn: &StudentNumber) -> Result<Vec<Enquiry>, DeskError> {
        self.require(Permission::ViewClients)?;
        let client = self.client_by_student_number(sn)?;
        let mut out: Vec<Enquiry> = self
            .store
            .scan::<Enquiry>()?
            .filter_map(Result::ok)
            .filter(|e| e.client == Some(client.id))
            .collect();
        out.sort_by_key(|e| std::cmp::Reverse(e.received_at));
        Ok(out)
    }

    /// Feedback given on a client's appointments, newest first (anyone who may look up
    /// clients; it is sealed with the client's key).
    pub fn client_feedback(&self, sn: &StudentNumber) -> Result<Vec<Feedback>, DeskError> {
        self.require(Permission::ViewClients)?;
        let client = self.client_by_student_number(sn)?;
        let mut out: Vec<Feedback> = self.store.sealed_for(client.id.0)?;
        out.sort_by_key(|f| std::cmp::Reverse(f.at));
        Ok(out)
    }

    /// A client's complaints, newest first (those who record complaints: CMP-01).
    pub fn client_complaints(&self, sn: &StudentNumber) -> Result<Vec<ComplaintLine>, DeskError> {
        self.require(Permission::RecordComplaints)?;
        let client = self.client_by_student_number(sn)?;
        let mut out = self.complaints(None)?;
        out.retain(|l| l.complaint.client == client.id);
        Ok(out)
    }
}
