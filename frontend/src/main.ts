import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import * as api from './modules/api';
import * as naiveUi from './modules/naive-ui';
import * as pinia from './modules/pinia';
import { createAppRouter, install as installRouter } from './modules/router';
import * as socket from './modules/socket';
import './styles.css';

const app = createApp(App);
const context = { app, pinia: createPinia(), router: createAppRouter() };

// Order matters: stores first, then what uses them; the router last so its first navigation sees them all.
for (const install of [pinia.install, api.install, socket.install, naiveUi.install, installRouter])
  install(context);

app.mount('#app');
