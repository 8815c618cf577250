//! The five guidelines of the "Minimum standards for tackling IoT security" (Consumers
//! International, the Internet Society and the Mozilla Foundation), in the seed's wording.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Guideline {
    #[serde(rename = "MS-1")]
    Ms1,
    #[serde(rename = "MS-2")]
    Ms2,
    #[serde(rename = "MS-3")]
    Ms3,
    #[serde(rename = "MS-4")]
    Ms4,
    #[serde(rename = "MS-5")]
    Ms5,
}

impl Guideline {
    pub const ALL: [Guideline; 5] = [Self::Ms1, Self::Ms2, Self::Ms3, Self::Ms4, Self::Ms5];

    pub fn id(self) -> &'static str {
        match self {
            Self::Ms1 => "MS-1",
            Self::Ms2 => "MS-2",
            Self::Ms3 => "MS-3",
            Self::Ms4 => "MS-4",
            Self::Ms5 => "MS-5",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ms1 => "Encrypted communications",
            Self::Ms2 => "Security updates",
            Self::Ms3 => "Strong passwords",
            Self::Ms4 => "Vulnerability management",
            Self::Ms5 => "Privacy practices",
        }
    }

    /// The guideline as the seed announcement states it.
    pub fn wording(self) -> &'static str {
        match self {
            Self::Ms1 => "Products must use encryption for all of their local and network communications functions and capabilities.",
            Self::Ms2 => "Products must have the ability to accept automatic updates, and have that ability enabled by default.",
            Self::Ms3 => "Any non-unique default passwords must also be reset as part of the device's initial setup.",
            Self::Ms4 => "Vendors must have a system in place to manage vulnerabilities in the product.",
            Self::Ms5 => "Products must have a privacy policy and terms and conditions which are easily accessible, written in language that is easily understood and appropriate for the person using the device or service.",
        }
    }

    /// What a pass means, in one sentence for a shopper.
    pub fn plain_pass(self) -> &'static str {
        match self {
            Self::Ms1 => "The device's network connections that we could test are encrypted.",
            Self::Ms2 => "Security updates install automatically, and the maker says how long they will keep coming.",
            Self::Ms3 => "No factory password let us in, and every login we found needs a password.",
            Self::Ms4 => "The maker tells security researchers how to report problems, and the contact is current.",
            Self::Ms5 => "The privacy policy and terms are published, readable and cover what they should.",
        }
    }

    /// What the guideline asks, as a question a shopper would put.
    pub fn plain_question(self) -> &'static str {
        match self {
            Self::Ms1 => "whether the device's connections are encrypted",
            Self::Ms2 => "whether the device gets security updates",
            Self::Ms3 => "whether the device can be opened with a factory password",
            Self::Ms4 => "whether the maker deals with reported security problems",
            Self::Ms5 => "whether the maker's privacy practices are clear and fair",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.id().eq_ignore_ascii_case(s))
    }
}

impl std::fmt::Display for Guideline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}
