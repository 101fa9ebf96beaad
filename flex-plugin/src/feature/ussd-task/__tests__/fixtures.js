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

// A caller in Dakar asked for shelter, without a call back; while that task was
// open they asked twice more (Touba, legal help, call back; then Touba, food).
// The server merged both into `updates` and turned the top-level `callback`
// into "Yes"; every other top-level field stays the first request's.
export const askedThreeTimes = {
  ...demoAttributesEnglish,
  name: '+221771234567',
  from: '+221771234567',
  service_code: '*123*456#',
  location: 'Dakar',
  support_type: 'Shelter',
  callback: 'Yes',
  answers: [
    { key: 'language', label: 'English', value: 'English' },
    { key: 'location', label: 'Dakar', value: 'Dakar' },
    { key: 'support_type', label: 'Shelter', value: 'Shelter' },
    { key: 'callback', label: 'No', value: 'No' },
  ],
  ussd_session_id: 'ATUid_1000',
  submitted_at: '2026-11-24T10:15:00Z',
  updates: [
    {
      submitted_at: '2026-11-24T11:02:00Z',
      ussd_session_id: 'ATUid_1001',
      answers: [
        { key: 'language', label: 'English', value: 'English' },
        { key: 'location', label: 'Touba', value: 'Touba' },
        { key: 'support_type', label: 'Legal', value: 'Legal' },
        { key: 'callback', label: 'Yes', value: 'Yes' },
      ],
    },
    {
      submitted_at: '2026-11-24T11:30:00Z',
      ussd_session_id: 'ATUid_1002',
      answers: [
        { key: 'language', label: 'English', value: 'English' },
        { key: 'location', label: 'Touba', value: 'Touba' },
        { key: 'support_type', label: 'Food and clothing', value: 'Food and clothing' },
        { key: 'callback', label: 'Yes', value: 'Yes' },
      ],
    },
  ],
};

// A custom menu that asks no language, location or support type question: the
// server sends those pinned attributes as null (language falls back to the
// session's language name).
export const customMenuWithoutPinned = {
  channel: 'ussd',
  type: 'ussd_request',
  name: '+254712345678',
  from: '+254712345678',
  service_code: '*384*77#',
  language: 'English',
  location: null,
  support_type: null,
  callback: 'No',
  answers: [
    { key: 'household_size', label: '5', value: '5' },
    { key: 'safe_to_call', label: 'No', value: 'no' },
    { key: 'callback', label: 'No', value: 'No' },
  ],
  ussd_session_id: 'ATUid_7777',
  menu: 'Flood response',
  menu_version: 3,
  submitted_at: '2026-11-24T10:15:00Z',
};
