// Task attributes as produced by the server (the pinned contract).

export const demoAttributesFrench = {
  channel: 'ussd',
  type: 'ussd_request',
  name: '+221771234567',
  from: '+221771234567',
  service_code: '*123*456#',
  language: 'French',
  location: 'Dakar',
  support_type: 'Shelter',
  callback: 'Yes',
  answers: [
    { key: 'language', label: 'Français', value: 'French' },
    { key: 'location', label: 'Dakar', value: 'Dakar' },
    { key: 'support_type', label: 'Abri', value: 'Shelter' },
    { key: 'callback', label: 'Oui', value: 'Yes' },
  ],
  ussd_session_id: 'ATUid_1234',
  menu: 'Demo hotline',
  menu_version: 1,
  submitted_at: '2026-11-24T10:15:00Z',
};

export const demoAttributesEnglish = {
  channel: 'ussd',
  type: 'ussd_request',
  name: '+254712345678',
  from: '+254712345678',
  service_code: '*384*12#',
  language: 'English',
  location: 'Nairobi',
  support_type: 'Food and clothing',
  callback: 'No',
  answers: [
    { key: 'language', label: 'English', value: 'English' },
    { key: 'location', label: 'Nairobi', value: 'Nairobi' },
    { key: 'support_type', label: 'Food and clothing', value: 'Food and clothing' },
    { key: 'callback', label: 'No', value: 'No' },
  ],
  ussd_session_id: 'ATUid_5678',
  menu: 'Demo hotline',
  menu_version: 1,
  submitted_at: '2026-11-24T10:15:00Z',
};

export const customMenuAttributes = {
  ...demoAttributesEnglish,
  menu: 'Flood response',
  menu_version: 3,
  callback: 'Yes',
  answers: [
    ...demoAttributesEnglish.answers.slice(0, 3),
    { key: 'household_size', label: '5', value: '5' },
    { key: 'needs_medical_care', label: 'Yes, urgently', value: 'urgent' },
    { key: 'district', label: 'Kibera', value: 'Kibera' },
    { key: 'callback', label: 'Yes', value: 'Yes' },
  ],
};

export const makeTask = (attributes, extra = {}) => ({
  taskSid: 'WT0123456789abcdef0123456789abcdef',
  sid: 'WR0123456789abcdef0123456789abcdef',
  taskChannelUniqueName: 'ussd',
  status: 'accepted',
  attributes,
  ...extra,
});

export const voiceTask = makeTask(
  { from: '+15551234567', to: '+15557654321', direction: 'inbound', call_sid: 'CA123', name: '+15551234567' },
  { taskChannelUniqueName: 'voice' },
);

export const chatTask = makeTask(
  { channelType: 'web', channelSid: 'CH123', from: 'Customer', name: 'Customer', conversationSid: 'CH123' },
  { taskChannelUniqueName: 'chat' },
);

// The English request above, then the same caller asked again while the task
// was still open: the server merged it in as `updates` and, because the repeat
// request asked for a call back, turned the top-level `callback` into "Yes".
export const repeatUpdate = {
  submitted_at: '2026-11-24T11:02:00Z',
  ussd_session_id: 'ATUid_999',
  answers: [
    { key: 'language', label: 'English', value: 'English' },
    { key: 'location', label: 'Touba', value: 'Touba' },
    { key: 'support_type', label: 'Legal', value: 'Legal' },
    { key: 'callback', label: 'Yes', value: 'Yes' },
  ],
};

export const repeatAttributes = {
  ...demoAttributesEnglish,
  callback: 'Yes',
  updates: [repeatUpdate],
};
